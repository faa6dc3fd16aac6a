import { afterAll, beforeAll, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { existsSync, promises as fsp } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';
import { runDub } from '../../src/main/pipeline/dub';
import { planDub } from '../../src/main/pipeline/plan';
import { evalVisemes } from '../../src/main/eval/visemes';
import { evalSync } from '../../src/main/eval/evaluate';
import { espeakSynthesize } from '../../src/main/phonetics/espeak';
import { wav16, POCKETSPHINX_MODEL_DIR } from '../../src/main/phonetics/pocketsphinx';

/** Shared across test files: tracking of the real clips is cached by content hash. */
const cacheDir = path.join(os.tmpdir(), 'dubbing-test-cache');

const haveEspeak = spawnSync('python3', ['-c', "import ctypes, ctypes.util; ctypes.CDLL(ctypes.util.find_library('espeak-ng') or 'libespeak-ng.so.1')"]).status === 0;
const havePocketsphinx = spawnSync('pocketsphinx_continuous', ['-h']).error === undefined && existsSync(path.join(POCKETSPHINX_MODEL_DIR, 'en-us-phone.lm.bin'));
if (!haveEspeak) console.log('[skip] visemes-real: python3 + libespeak-ng not found (apt-get install espeak-ng python3): the dub is synthesized and aligned with espeak-ng');
if (!havePocketsphinx) console.log('[skip] visemes-real baseline: pocketsphinx + pocketsphinx-en-us not installed: the original\'s phones are recognized with it');

const SCRIPT = 'Peter bought a big blue map before my mom moved from Boston.';

describeIfSharedMedia('visemes on a real clip (talk-b)', ['talk-b.mp4'], () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dub-visemes-'));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!havePocketsphinx)('natural baseline: talk-b against its own audio closes on bilabials more than on vowel onsets', async () => {
    const video = sharedMedia('talk-b.mp4')!;
    const r = await evalVisemes({ video, audio: video, cacheDir });
    console.log(`talk-b baseline: bilabial ${r.bilabialClosure.hit}/${r.bilabialClosure.count}, vowel onsets ${r.vowelOnsetClosure.hit}/${r.vowelOnsetClosure.count}, lift ${r.lift.toFixed(2)}, closed level ${r.closedLevel.toFixed(4)}`);
    expect(r.phones.source).toBe('recognizer');
    expect(r.bilabialClosure.count).toBeGreaterThan(0);
    expect(r.lift).toBeGreaterThan(0.2);
  });

  it.skipIf(!haveEspeak || !havePocketsphinx)('an English dub with its script closes the lips on p b m, keeps silence shut and keeps the envelope proxy', async () => {
    const video = sharedMedia('talk-b.mp4')!;
    // The dub: espeak-ng in another voice, 0.5 s into the clip.
    const syn = await espeakSynthesize(SCRIPT, { voice: 'en-us+m3', rate: 150 });
    const samples = new Float32Array(5 * 16000);
    samples.set(syn.samples16k.subarray(0, samples.length - 8000), 8000);
    const audio = path.join(dir, 'dub.wav');
    const script = path.join(dir, 'dub.txt');
    await fsp.writeFile(audio, wav16(samples));
    await fsp.writeFile(script, SCRIPT);
    const figures = async (viseme: number) => {
      const out = path.join(dir, `talk-b-viseme${viseme}.mp4`);
      const plan = await planDub({ video, audio, from: 0, to: 5, engine: 'reference', params: { viseme } });
      await runDub({ video, audio, out, segments: plan.segments, dubbedRange: plan.dubbedRange, cacheDir, script: [{ text: SCRIPT }] });
      const v = await evalVisemes({ video: out, audio, script, original: video, cacheDir });
      const s = await evalSync({ video: out, audio, cacheDir });
      console.log(`talk-b x espeak dub, viseme ${viseme}: bilabial ${v.bilabialClosure.hit}/${v.bilabialClosure.count}, vowel onsets ${v.vowelOnsetClosure.hit}/${v.vowelOnsetClosure.count}, lift ${v.lift.toFixed(2)}, leak ${v.lipLeak.hit}/${v.lipLeak.count}, sync r ${s.best.r.toFixed(3)}`);
      return { v, s };
    };
    const before = await figures(0);
    const after = await figures(1);
    expect(after.v.phones.source).toBe('script');
    expect(after.v.bilabialClosure.count).toBeGreaterThanOrEqual(8);
    expect(after.v.bilabialClosure.rate).toBeGreaterThanOrEqual(0.85);
    expect(after.v.lift).toBeGreaterThanOrEqual(0.3);
    expect(after.v.lift).toBeGreaterThan(before.v.lift);
    expect(after.v.lipLeak.count).toBeGreaterThan(0);
    expect(after.v.lipLeak.rate).toBeLessThanOrEqual(0.05);
    expect(after.s.best.r).toBeGreaterThanOrEqual(before.s.best.r - 0.02);
  });
});
