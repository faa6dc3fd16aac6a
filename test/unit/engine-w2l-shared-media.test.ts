import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createWav2LipEngine } from '../../src/main/engines/wav2lip';
import type { Patch } from '../../src/main/engines/types';
import { closeAllPacks } from '../../src/main/models/sessions';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';
import { loadSharedClip, segmentContext, writeTinyWav2LipPack, type SyntheticClip } from '../helpers/tiny-packs';

describeIfSharedMedia('Wav2Lip engine on real footage (talk-b.mp4 dubbed with dub-a.wav)', ['talk-b.mp4', 'dub-a.wav'], () => {
  let root: string;
  let clip: SyntheticClip;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'w2l-real-'));
    clip = await loadSharedClip(sharedMedia('talk-b.mp4')!, sharedMedia('dub-a.wav')!, 20);
  });
  afterAll(async () => {
    await closeAllPacks(root);
    await rm(root, { recursive: true, force: true });
  });

  it('renders a patch at the smoothed face box of every frame, lower face only', async () => {
    const dir = path.join(root, 'pack');
    await writeTinyWav2LipPack(dir);
    const engine = await createWav2LipEngine({ pack: dir, providers: ['cpu'] });
    const prep = await engine.prepare(segmentContext(clip, { start: 0, end: 20 }, { start: 0, end: 20 }, {}));
    const out: (Patch | null)[] = [];
    for (let s = 0; s < 20; s += prep.windowSize) out.push(...(await prep.renderWindow(clip.frames.slice(s, Math.min(20, s + prep.windowSize)).map((frame) => ({ frame, sample: clip.track.frames[frame.index] })))));
    expect(out).toHaveLength(20);
    for (const [i, p] of out.entries()) {
      expect(p).not.toBeNull();
      const mesh = clip.track.frames[i]!.mesh;
      const noseY = mesh[1 * 3 + 1];
      // Box around the face; alpha only from the middle of the box down (around the nose tip and below).
      expect(p!.x).toBeLessThan(mesh[61 * 3]);
      expect(p!.x + p!.width).toBeGreaterThan(mesh[291 * 3]);
      let minY = Infinity;
      for (let y = 0; y < p!.height && minY === Infinity; y++) for (let x = 0; x < p!.width; x++) if (p!.alpha[y * p!.width + x] > 0) minY = y + p!.y;
      expect(minY).toBeGreaterThan(noseY - 0.25 * p!.height);
    }
  });
});
