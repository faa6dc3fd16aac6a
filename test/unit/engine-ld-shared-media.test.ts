import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLatentDiffusionEngine } from '../../src/main/engines/latent-diffusion';
import type { Patch } from '../../src/main/engines/types';
import { closeAllPacks } from '../../src/main/models/sessions';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';
import { loadSharedClip, segmentContext, writeTinyLdPack, type SyntheticClip } from '../helpers/tiny-packs';

describeIfSharedMedia('latent-diffusion engine on real footage (talk-a.mp4 dubbed with dub-a.wav)', ['talk-a.mp4', 'dub-a.wav'], () => {
  let root: string;
  let clip: SyntheticClip;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ld-real-'));
    clip = await loadSharedClip(sharedMedia('talk-a.mp4')!, sharedMedia('dub-a.wav')!, 24);
  });
  afterAll(async () => {
    await closeAllPacks(root);
    await rm(root, { recursive: true, force: true });
  });

  async function render(seed: number): Promise<(Patch | null)[]> {
    const dir = path.join(root, 'pack');
    await writeTinyLdPack(dir, { crop: 128, window: 8, overlap: 2, steps: 3 });
    const engine = await createLatentDiffusionEngine({ pack: dir, providers: ['cpu'] });
    const prep = await engine.prepare(segmentContext(clip, { start: 8, end: 24 }, { start: 0, end: 8 }, { seed }));
    const out: (Patch | null)[] = [];
    for (let s = 8; s < 24; s += prep.windowSize) out.push(...(await prep.renderWindow(clip.frames.slice(s, Math.min(24, s + prep.windowSize)).map((frame) => ({ frame, sample: clip.track.frames[frame.index] })))));
    return out;
  }

  it('renders a lower-face patch for every tracked frame, deterministically', async () => {
    expect(clip.track.frames.every((s) => s !== null)).toBe(true);
    const a = await render(11);
    const b = await render(11);
    expect(a).toHaveLength(16);
    for (const [k, p] of a.entries()) {
      expect(p).not.toBeNull();
      expect(Buffer.from(p!.data).equals(Buffer.from(b[k]!.data))).toBe(true);
      const mesh = clip.track.frames[8 + k]!.mesh;
      const eyeY = Math.max(mesh[33 * 3 + 1], mesh[263 * 3 + 1]);
      const chinY = mesh[152 * 3 + 1];
      const mouthX = (mesh[61 * 3] + mesh[291 * 3]) / 2;
      // Alpha > 0 only below the eyes, around the mouth and chin.
      let minY = Infinity, maxY = -Infinity, sx = 0, n = 0;
      for (let y = 0; y < p!.height; y++)
        for (let x = 0; x < p!.width; x++)
          if (p!.alpha[y * p!.width + x] > 0) {
            minY = Math.min(minY, y + p!.y);
            maxY = Math.max(maxY, y + p!.y);
            sx += x + p!.x;
            n++;
          }
      expect(minY).toBeGreaterThan(eyeY);
      expect(maxY).toBeLessThan(chinY + 0.25 * (chinY - eyeY));
      expect(Math.abs(sx / n - mouthX)).toBeLessThan(0.15 * (chinY - eyeY));
    }
  });
});
