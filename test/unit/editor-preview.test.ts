import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSchemas, type EventName, type JobSnapshot } from '../../src/shared/api/contract';
import { emptyProject, type Project } from '../../src/shared/project/schema';
import * as ops from '../../src/shared/project/segments';
import { createServices, type Services } from '../../src/main/services/services';
import { createHostHandlers } from '../../src/main/services/host/handlers';
import { InProcessHost } from '../../src/main/services/host/supervisor';
import { createFakePipeline } from '../../src/main/services/pipeline-fake';
import { REFERENCE_ENGINE_DESCRIPTION } from '../../src/main/engines/reference/reference-engine';
import { fillParams } from '../../src/shared/engines';
import { encodePngRgba, PREVIEW_MAX_CHARS, previewDataUrl, throttle } from '../../src/main/services/preview-image';
import { generatedMedia } from '../ui/helpers/media';

/**
 * Interactive render preview: the render job streams downscaled PNG crops as `render.preview`
 * events before it completes (fake pipeline: the crop is decoded and tinted, no engine; the real
 * pipeline's path through `renderSegment`'s onFrame is exercised by the UI test on talk-a).
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'dub-preview-'));
let services: Services;
let project: Project;

beforeAll(async () => {
  const media = generatedMedia(path.join(dir, 'media'), { seconds: 2, size: 160 });
  const host = new InProcessHost(createHostHandlers(createFakePipeline(), path.join(dir, 'cache')));
  services = createServices({
    mode: 'bridge', version: 't', cacheDir: path.join(dir, 'cache'), stateDir: path.join(dir, 'state'), browseRoots: [dir], pipelineKind: 'fake',
    jobsHost: host, interactiveHost: host, dialogs: null, testHooks: false,
  });
  const v = await services.handlers['media.open']({ path: media.video, kind: 'video' });
  project = ops.setVideo(emptyProject(), { path: v.path, width: v.width, height: v.height, fps: v.fps, frameCount: v.frameCount, duration: v.duration, hasAudio: v.hasAudio });
  project = ops.addTrack(project, { id: 'dub-1', name: 'dub', path: media.dub, offset: 0, muted: false });
  project = ops.createSegment(project, 0, 50, { id: 's1', engine: 'reference', params: fillParams(REFERENCE_ENGINE_DESCRIPTION, {}) });
}, 60_000);
afterAll(async () => services?.dispose());

describe('render preview', () => {
  it('encodes small valid PNG data URLs', () => {
    const w = 64, h = 40;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([i % 256, (i * 7) % 256, 200, 255], i * 4);
    const png = encodePngRgba(w, h, rgba);
    const file = path.join(dir, 'p.png');
    writeFileSync(file, png);
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-']);
    expect(Buffer.compare(raw, Buffer.from(rgba))).toBe(0);
    // A noisy 1080p-sized crop still fits the message budget.
    const big = new Uint8Array(900 * 700 * 3);
    for (let i = 0; i < big.length; i++) big[i] = (Math.random() * 256) | 0;
    const url = previewDataUrl(900, 700, big);
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(url.length).toBeLessThanOrEqual(PREVIEW_MAX_CHARS);
  });

  it('throttles to one frame per interval', () => {
    let t = 0;
    const sent: number[] = [];
    const f = throttle<number>(200, (v) => sent.push(v), () => t);
    for (let i = 0; i < 50; i++, t += 40) f(i);
    expect(sent).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
  });

  it('preview events arrive before the render job completes, then the take replaces them', async () => {
    const log: Array<{ event: EventName; at: number; payload: unknown }> = [];
    const unsubscribe = services.subscribe((event, payload) => log.push({ event, at: performance.now(), payload }));
    const { job } = await services.handlers['jobs.render']({ project, projectPath: null, segmentId: 's1' });
    const done = await services.queue.wait(job.jobId);
    unsubscribe();
    expect(done.state).toBe('done');
    const previews = log.filter((e) => e.event === 'render.preview');
    expect(previews.length).toBeGreaterThan(0);
    const finished = log.find((e) => e.event === 'job.update' && (e.payload as JobSnapshot).jobId === job.jobId && (e.payload as JobSnapshot).state === 'done')!;
    expect(finished).toBeTruthy();
    expect(previews[0].at).toBeLessThan(finished.at);
    expect(log.indexOf(previews[previews.length - 1])).toBeLessThan(log.indexOf(finished));
    for (const p of previews) {
      const payload = eventSchemas['render.preview'].parse(p.payload);
      expect(payload.jobId).toBe(job.jobId);
      expect(payload.segmentId).toBe('s1');
      expect(payload.frame).toBeGreaterThanOrEqual(0);
      expect(payload.frame).toBeLessThan(50);
      expect(payload.rect.x + payload.rect.w).toBeLessThanOrEqual(160);
      expect(payload.image.length).toBeLessThanOrEqual(PREVIEW_MAX_CHARS);
    }
    // Throttled: at most ~5 a second of rendering (+1 for the first frame).
    const span = (finished.at - previews[0].at) / 1000;
    expect(previews.length).toBeLessThanOrEqual(Math.ceil(span * 5) + 2);
  }, 60_000);
});
