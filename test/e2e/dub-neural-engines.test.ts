import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { makeTempDir, makeTestVideo, makeTone, cleanupTestMedia } from '../helpers/genmedia';
import { syntheticTracking } from '../helpers/synthetic-face';
import { writeTinyLdPack, writeTinyWav2LipPack } from '../helpers/tiny-packs';
import { runDub } from '../../src/main/pipeline/dub';
import { storeTracking } from '../../src/main/pipeline/tracking-stage';
import { probeMedia } from '../../src/main/media/probe';
import { decodeFrames } from '../../src/main/media/decode';
import { UserError } from '../../src/main/util/errors';

/** The CLI/pipeline path selects the neural engines by id with a pack (issue 4), on generated media. */
describe('dub pipeline with the neural engines (tiny generated packs)', () => {
  let dir: string;
  let video: string;
  let dub: string;
  let cacheDir: string;
  beforeAll(async () => {
    dir = await makeTempDir('dub-nn-');
    cacheDir = path.join(dir, 'cache');
    video = await makeTestVideo({ width: 192, height: 160, fps: 25, seconds: 2, withAudio: true, dir });
    dub = await makeTone({ seconds: 2, freq: 700, dir });
    const info = await probeMedia(video);
    await storeTracking(info, syntheticTracking(192, 160, info.frameCount), cacheDir);
  });
  afterAll(cleanupTestMedia);

  async function changedFrames(out: string): Promise<number> {
    const a = await probeMedia(video);
    const ga = decodeFrames(a);
    const gb = decodeFrames(await probeMedia(out));
    let changed = 0;
    for (let i = 0; i < a.frameCount; i++) {
      const fa = (await ga.next()).value!;
      const fb = (await gb.next()).value!;
      if (!Buffer.from(fa.data).equals(Buffer.from(fb.data))) {
        changed++;
        if (i < 10 || i >= 30) throw new Error(`frame ${i} outside the segment changed`);
      }
    }
    return changed;
  }

  it('latent-diffusion: --engine latent-diffusion --pack DIR renders the segment', async () => {
    const pack = path.join(dir, 'ld-pack');
    await writeTinyLdPack(pack);
    const out = path.join(dir, 'ld.mp4');
    const res = await runDub({
      video, audio: dub, out, lossless: true, cacheDir,
      segments: [{ id: 's', startFrame: 10, endFrame: 30, engine: 'latent-diffusion', pack, params: { steps: 3, seed: 7 }, reference: { startFrame: 30, endFrame: 50 } }],
    });
    expect(res.frames).toBe(50);
    expect(await changedFrames(out)).toBeGreaterThan(10);
  });

  it('wav2lip: --engine wav2lip --pack DIR renders the segment', async () => {
    const pack = path.join(dir, 'w2l-pack');
    await writeTinyWav2LipPack(pack);
    const out = path.join(dir, 'w2l.mp4');
    await runDub({
      video, audio: dub, out, lossless: true, cacheDir,
      segments: [{ id: 's', startFrame: 10, endFrame: 30, engine: 'wav2lip', pack, params: {}, reference: { startFrame: 30, endFrame: 50 } }],
    });
    expect(await changedFrames(out)).toBeGreaterThan(10);
  });

  it('rejects a missing pack and out-of-range engine parameters with clear errors', async () => {
    const seg = { id: 's', startFrame: 10, endFrame: 30, engine: 'latent-diffusion', params: {} };
    await expect(runDub({ video, audio: dub, out: path.join(dir, 'x.mp4'), cacheDir, segments: [seg] })).rejects.toThrow(/needs a model pack/);
    const pack = path.join(dir, 'ld-pack');
    const bad = runDub({ video, audio: dub, out: path.join(dir, 'y.mp4'), cacheDir, segments: [{ ...seg, pack, params: { lambdaA: 1e9 } }] });
    await expect(bad).rejects.toBeInstanceOf(UserError);
    await expect(bad).rejects.toThrow(/lambdaA/);
  });
});
