import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../src/shared/api/contract';
import { convexHull, growPolygon, handOutline, handOverlapsFace, sampleFrames, suggestHandOccluders, type HandLike } from '../../src/shared/masks/hands';
import { addShape, setShapeKeyframe, signedArea, shapePolygonsAt } from '../../src/shared/masks/keyframes';
import { emptyProject, type Project } from '../../src/shared/project/schema';
import * as ops from '../../src/shared/project/segments';
import { createServices, type Services } from '../../src/main/services/services';
import { createHostHandlers } from '../../src/main/services/host/handlers';
import { InProcessHost } from '../../src/main/services/host/supervisor';
import { createRealPipeline } from '../../src/main/services/pipeline-real';
import { generatedMedia } from '../ui/helpers/media';

/**
 * Occluder suggestions from hands: the pure geometry on synthetic hands (hull, growth, resampling,
 * the lower-face filter, grouping into keyframes), and the service with the real hand detector on
 * a generated clip without hands. Real footage with a hand in front of the mouth is not available
 * here, so the detector's positive path is only covered through synthetic HandObservations.
 */

/** A synthetic 21-keypoint hand: a palm and five fingers around (cx, cy), `size` px tall. */
function hand(cx: number, cy: number, size: number, score = 0.9): HandLike {
  const k: number[] = [cx, cy + size * 0.45, 0];
  for (let f = 0; f < 5; f++) {
    const a = Math.PI * (0.15 + 0.175 * f) + Math.PI;
    for (let j = 1; j <= 4; j++) {
      const r = size * (0.12 + 0.1 * j);
      k.push(cx + Math.cos(a) * r, cy + Math.sin(a) * r + size * 0.15, 0);
    }
  }
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < k.length; i += 3) {
    x0 = Math.min(x0, k[i]); x1 = Math.max(x1, k[i]);
    y0 = Math.min(y0, k[i + 1]); y1 = Math.max(y1, k[i + 1]);
  }
  return { box: [x0, y0, x1 - x0, y1 - y0], keypoints: Float32Array.from(k), score };
}

describe('hand occluder geometry', () => {
  it('convex hull drops inner points and is clockwise on screen', () => {
    const hull = convexHull([[0, 0], [10, 0], [10, 10], [0, 10], [5, 5], [2, 3], [10, 0]]);
    expect(hull).toHaveLength(4);
    expect(signedArea(hull)).toBeCloseTo(100);
    expect(hull).not.toContainEqual([5, 5]);
  });

  it('grows a polygon outwards by a fixed distance', () => {
    const grown = growPolygon([[0, 0], [10, 0], [10, 10], [0, 10]], Math.SQRT2);
    expect(grown[0][0]).toBeCloseTo(-1);
    expect(grown[0][1]).toBeCloseTo(-1);
    expect(grown[2][0]).toBeCloseTo(11);
  });

  it('a hand outline is its hull grown by 15% of the box, resampled to 16 points', () => {
    const h = hand(100, 100, 80);
    const poly = handOutline(h)!;
    expect(poly).toHaveLength(16);
    const [bx, by, bw, bh] = h.box;
    const grow = 0.15 * Math.max(bw, bh);
    const xs = poly.map((p) => p[0]);
    const ys = poly.map((p) => p[1]);
    // Covers the keypoints' box and stays within it grown by the growth distance.
    expect(Math.min(...xs)).toBeLessThan(bx);
    expect(Math.max(...xs)).toBeGreaterThan(bx + bw);
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(by - grow - 0.2);
    expect(Math.max(...ys)).toBeLessThanOrEqual(by + bh + grow + 0.2);
    expect(handOutline({ box: [0, 0, 1, 1], keypoints: new Float32Array(63), score: 1 })).toBeNull();
  });

  it('keeps only hands that overlap the lower face', () => {
    const face = { x: 80, y: 120, w: 60, h: 40 };
    expect(handOverlapsFace(hand(110, 140, 50), face)).toBe(true);
    expect(handOverlapsFace(hand(300, 300, 50), face)).toBe(false);
    const dets = [{ frame: 0, hands: [hand(300, 300, 50)] }, { frame: 3, hands: [hand(300, 310, 50)] }];
    expect(suggestHandOccluders(dets, face, { step: 3 })).toEqual([]);
    expect(suggestHandOccluders([{ frame: 0, hands: [hand(110, 140, 50)] }], null)).toEqual([]);
    // Low scores and slivers are dropped.
    expect(suggestHandOccluders([{ frame: 0, hands: [hand(110, 140, 50, 0.1)] }], face)).toEqual([]);
    expect(suggestHandOccluders([{ frame: 0, hands: [{ box: [100, 130, 2, 8], keypoints: hand(101, 134, 8).keypoints, score: 0.6 }] }], face)).toEqual([]);
  });

  it('groups a moving hand into one shape of aligned keyframes, a distant/late hand into another', () => {
    const face = { x: 80, y: 120, w: 80, h: 50 };
    const dets = [0, 3, 6, 9, 12].map((frame, i) => ({ frame, hands: [hand(100 + i * 4, 140, 60)] }));
    dets.push({ frame: 30, hands: [hand(150, 150, 60)] });
    const s = suggestHandOccluders(dets, face, { step: 3 });
    expect(s).toHaveLength(2);
    expect(s[0].keyframes.map((k) => k.frame)).toEqual([0, 3, 6, 9, 12]);
    expect(new Set(s[0].keyframes.map((k) => k.polygon.length))).toEqual(new Set([16]));
    expect(s[0].reason).toMatch(/frames 0-12/);
    // Aligned: vertex i of consecutive keyframes moves about as much as the hand (4 px).
    for (let k = 1; k < s[0].keyframes.length; k++) {
      const a = s[0].keyframes[k - 1].polygon;
      const b = s[0].keyframes[k].polygon;
      const mean = a.reduce((acc, p, i) => acc + Math.hypot(p[0] - b[i][0], p[1] - b[i][1]), 0) / a.length;
      expect(mean).toBeLessThan(8);
    }
    expect(s[1].keyframes.map((k) => k.frame)).toEqual([30]);
    // The editor accepts it as one keyframed shape that interpolates between keyframes.
    let mask = addShape({ shapes: [] }, 'hand-1', s[0].keyframes[0].frame, s[0].keyframes[0].polygon);
    for (const k of s[0].keyframes.slice(1)) mask = setShapeKeyframe(mask, 'hand-1', k.frame, [k.polygon]);
    expect(mask.shapes[0].keyframes).toHaveLength(5);
    expect(shapePolygonsAt(mask.shapes[0], 1.5)[0]).toHaveLength(16);
    // Two hands on the same frames make two shapes.
    const two = suggestHandOccluders([0, 3].map((frame) => ({ frame, hands: [hand(90, 140, 40), hand(160, 140, 40)] })), face, { step: 3 });
    expect(two).toHaveLength(2);
    expect(two.every((x) => x.keyframes.length === 2)).toBe(true);
  });

  it('samples every 3rd frame, at most 40 frames', () => {
    expect(sampleFrames(10, 20)).toEqual({ frames: [10, 13, 16, 19], step: 3 });
    const long = sampleFrames(0, 1000);
    expect(long.frames.length).toBeLessThanOrEqual(40);
    expect(long.step).toBe(25);
  });

  it('the contract validates the request and the suggestion shape', () => {
    const c = contract['occlusion.suggestHands'];
    expect(c.request.safeParse({ project: emptyProject(), segmentId: '' }).success).toBe(false);
    const ok = c.response.safeParse({ suggestions: [{ keyframes: [{ frame: 1, polygon: [[0, 0], [1, 0], [0, 1]] }], score: 0.5, reason: 'x' }], sampledFrames: 1, handsSeen: 1, faceRect: null, warnings: [] });
    expect(ok.success).toBe(true);
    expect(c.response.safeParse({ suggestions: [{ keyframes: [{ frame: 1, polygon: [[0, 0]] }], score: 0.5, reason: 'x' }], sampledFrames: 1, handsSeen: 0, faceRect: null, warnings: [] }).success).toBe(false);
  });
});

describe('hand suggestions service (real detector)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dub-hands-'));
  let services: Services;
  let project: Project;
  beforeAll(async () => {
    const media = generatedMedia(path.join(dir, 'media'), { seconds: 2, size: 160 });
    const host = new InProcessHost(createHostHandlers(createRealPipeline(), path.join(dir, 'cache')));
    services = createServices({
      mode: 'bridge', version: 't', cacheDir: path.join(dir, 'cache'), stateDir: path.join(dir, 'state'), browseRoots: [dir], pipelineKind: 'real',
      jobsHost: host, interactiveHost: host, dialogs: null, testHooks: false,
    });
    const v = await services.handlers['media.open']({ path: media.video, kind: 'video' });
    project = ops.setVideo(emptyProject(), { path: v.path, width: v.width, height: v.height, fps: v.fps, frameCount: v.frameCount, duration: v.duration, hasAudio: v.hasAudio });
    project = ops.addTrack(project, { id: 'dub-1', name: 'dub', path: media.dub, offset: 0, muted: false });
    project = ops.createSegment(project, 5, 45, { id: 's1', engine: 'reference', params: {} });
  }, 120_000);
  afterAll(async () => services?.dispose());

  it('a clip without hands (or faces) gives no suggestions and no error', async () => {
    const r = await services.handlers['occlusion.suggestHands']({ project, segmentId: 's1' });
    expect(contract['occlusion.suggestHands'].response.safeParse(r).success).toBe(true);
    expect(r.sampledFrames).toBe(14);
    // testsrc2 gives a few sliver "hands" (2x8 px boxes, score ~0.6); they are not counted.
    expect(r.handsSeen).toBe(0);
    expect(r.suggestions).toEqual([]);
    expect(r.faceRect).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/face/i);
    await expect(services.handlers['occlusion.suggestHands']({ project, segmentId: 'nope' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  }, 180_000);
});
