import { afterAll, beforeAll, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { existsSync, promises as fsp } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';
import { prepareJob } from '../../src/main/pipeline/job';
import { createReferenceEngine, resolveParams } from '../../src/main/engines/registry';
import { mouthOpening } from '../../src/main/engines/reference/mouth-shape';
import { percentile } from '../../src/main/engines/reference/viseme-cost';
import { evalVisemes, visemeMetrics, CLOSED_PERCENTILE, CONTACT_FRACTION } from '../../src/main/eval/visemes';
import { logRmsEnvelope } from '../../src/main/audio/frames';
import { laggedCorrelation } from '../../src/main/eval/metrics';
import { espeakSynthesize } from '../../src/main/phonetics/espeak';
import { wav16, POCKETSPHINX_MODEL_DIR } from '../../src/main/phonetics/pocketsphinx';

/** Shared across test files: tracking of the real clips is cached by content hash. */
const cacheDir = path.join(os.tmpdir(), 'dubbing-test-cache');

const haveEspeak = spawnSync('python3', ['-c', "import ctypes, ctypes.util; ctypes.CDLL(ctypes.util.find_library('espeak-ng') or 'libespeak-ng.so.1')"]).status === 0;
const havePocketsphinx = spawnSync('pocketsphinx_continuous', ['-h']).error === undefined && existsSync(path.join(POCKETSPHINX_MODEL_DIR, 'en-us-phone.lm.bin'));
if (!haveEspeak) console.log('[skip] visemes-real dub: python3 + libespeak-ng not found (apt-get install espeak-ng python3): the dub is synthesized and aligned with espeak-ng');
if (!havePocketsphinx) console.log('[skip] visemes-real: pocketsphinx + pocketsphinx-en-us not installed: the original\'s phones are recognized with it');

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
    expect(r.lift).toBeGreaterThan(0.3);
  });

  it.skipIf(!haveEspeak || !havePocketsphinx)('an English dub with its script: the engine picks closed mouths on p b m, shut in silence, open on vowels', async () => {
    const video = sharedMedia('talk-b.mp4')!;
    // The dub: espeak-ng in another voice and rate, 0.5 s into the 5 s clip.
    const syn = await espeakSynthesize(SCRIPT, { voice: 'en-us+m3', rate: 150 });
    const samples = new Float32Array(5 * 16000);
    samples.set(syn.samples16k.subarray(0, samples.length - 8000), 8000);
    const audio = path.join(dir, 'dub.wav');
    await fsp.writeFile(audio, wav16(samples));
    const job = await prepareJob({ video, audio, segments: [], cacheDir, script: [{ text: SCRIPT }] });
    const ph = await job.phonetics!();
    expect(ph.dub.source).toBe('script');
    expect(ph.original.source).toBe('recognizer');
    const N = job.info.frameCount;
    const op = job.track.frames.map((f) => (f ? mouthOpening(f.mesh) : NaN));
    const closed = percentile(op, CLOSED_PERCENTILE);
    const contact = closed + CONTACT_FRACTION * (percentile(op, 0.9) - closed);
    const env = Array.from(logRmsEnvelope(samples, { fpsNum: job.info.fpsNum, fpsDen: job.info.fpsDen, frameCount: N, windowSec: 0.04 }));
    const engine = createReferenceEngine();
    // Figures of the frames the engine selects (their original mouth openings), as `eval
    // visemes` and `eval sync` compute them on a rendered dub, without the warp and re-tracking.
    const select = async (viseme: number) => {
      const params = resolveParams(engine.describe().params, { viseme }, 'reference');
      const prepared = (await engine.prepare({
        video: job.info, range: { start: 0, end: N }, reference: { start: 0, end: N }, track: job.track, dubAudio: job.dub16, originalAudio: job.orig16,
        readFrames: async () => {}, params, dubVisemes: ph.dubVisemes ?? undefined, originalVisemes: ph.originalVisemes ?? undefined,
      })) as unknown as { path: Int32Array; dispose(): Promise<void> };
      await prepared.dispose();
      const sel = Array.from(prepared.path, (r) => op[r]);
      const m = visemeMetrics({ phones: ph.dub.phones, openings: sel, fpsNum: job.info.fpsNum, fpsDen: job.info.fpsDen, range: { start: 0, end: N }, closedLevel: closed, contactLevel: contact });
      const sync = Math.max(...laggedCorrelation(sel, env, -2, 2).map((l) => l.r));
      console.log(`talk-b x espeak dub, viseme ${viseme}: bilabial ${m.bilabialClosure.hit}/${m.bilabialClosure.count}, vowel onsets ${m.vowelOnsetClosure.hit}/${m.vowelOnsetClosure.count}, lift ${m.lift.toFixed(2)}, labiodental ${m.labiodentalContact.hit}/${m.labiodentalContact.count}, leak ${m.lipLeak.hit}/${m.lipLeak.count}, proxy r ${sync.toFixed(3)}`);
      return { m, sync };
    };
    const before = await select(0);
    const after = await select(1);
    expect(after.m.bilabialClosure.count).toBeGreaterThanOrEqual(10);
    expect(after.m.bilabialClosure.rate).toBeGreaterThanOrEqual(0.85);
    expect(after.m.lift).toBeGreaterThanOrEqual(0.3);
    expect(after.m.lift).toBeGreaterThan(before.m.lift + 0.3);
    expect(after.m.labiodentalContact.rate).toBeGreaterThanOrEqual(0.66);
    expect(after.m.lipLeak.count).toBeGreaterThan(0);
    expect(after.m.lipLeak.rate).toBeLessThanOrEqual(0.05);
    // The loudness correlation falls (closures on voiced /m b/) but stays above natural speech (about 0.4).
    expect(after.sync).toBeGreaterThan(0.5);
  });
});
