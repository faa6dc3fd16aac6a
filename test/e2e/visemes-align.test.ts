import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { espeakSynthesize } from '../../src/main/phonetics/espeak';
import { alignPhonesToAudio } from '../../src/main/phonetics/align';
import type { TimedPhone } from '../../src/main/phonetics/types';

/** espeak-ng timing needs python3 and libespeak-ng (Debian: espeak-ng python3). */
const probe = spawnSync('python3', ['-c', "import ctypes, ctypes.util; ctypes.CDLL(ctypes.util.find_library('espeak-ng') or 'libespeak-ng.so.1')"]);
const haveEspeak = probe.status === 0;
if (!haveEspeak) console.log('[skip] visemes-align: python3 + libespeak-ng not found (apt-get install espeak-ng python3); alignment ground truth needs espeak-ng');

/**
 * Median |start error| over the phones of `truth` matched (same name, in order: longest common
 * subsequence) to `got`, pauses left out; and how many matched.
 */
function startErrors(truth: TimedPhone[], got: TimedPhone[]): { median: number; matched: number; total: number } {
  const A = truth.filter((p) => p.phone !== '_');
  const B = got.filter((p) => p.phone !== '_');
  const L = Array.from({ length: A.length + 1 }, () => new Int32Array(B.length + 1));
  for (let i = A.length - 1; i >= 0; i--) for (let j = B.length - 1; j >= 0; j--) L[i][j] = A[i].phone === B[j].phone ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const errs: number[] = [];
  for (let i = 0, j = 0; i < A.length && j < B.length; ) {
    if (A[i].phone === B[j].phone) {
      errs.push(Math.abs(A[i].start - B[j].start));
      i++;
      j++;
    } else if (L[i + 1][j] >= L[i][j + 1]) i++;
    else j++;
  }
  errs.sort((a, b) => a - b);
  return { median: errs.length ? errs[errs.length >> 1] : Infinity, matched: errs.length, total: A.length };
}

/** The dub: `text` spoken by another espeak-ng voice at another rate and pitch, after `lead` s of noise, with a pause. */
async function syntheticDub(parts: string[], voice: string, lead: number, gap: number) {
  const pieces = [];
  for (const t of parts) pieces.push(await espeakSynthesize(t, { voice, rate: 135, pitch: 70 }));
  const sr = 16000;
  const len = Math.round((lead + gap * (parts.length - 1) + 0.4) * sr) + pieces.reduce((n, p) => n + p.samples16k.length, 0);
  const x = new Float32Array(len);
  let s = 7;
  for (let i = 0; i < len; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32 - 0.5) * 0.003;
  }
  const truth: TimedPhone[] = [];
  let at = Math.round(lead * sr);
  for (const p of pieces) {
    for (let i = 0; i < p.samples16k.length; i++) x[at + i] += p.samples16k[i];
    truth.push(...p.phones.map((q) => ({ ...q, start: q.start + at / sr, end: q.end + at / sr })));
    at += p.samples16k.length + Math.round(gap * sr);
  }
  return { samples: x, truth };
}

describe.skipIf(!haveEspeak)('forced alignment against espeak-ng ground truth', () => {
  const cases: Array<{ lang: string; scriptVoice: string; dubVoice: string; parts: string[] }> = [
    { lang: 'English', scriptVoice: 'en-us', dubVoice: 'en-us+f3', parts: ['Peter bought a bag of plums and five ripe figs.', 'My brother moved the van past the farm before evening.'] },
    { lang: 'German', scriptVoice: 'de', dubVoice: 'de+m3', parts: ['Papa möchte fünf große Brote vom Markt.', 'Wir warten vor dem Bahnhof auf den Bus.'] },
    { lang: 'Spanish', scriptVoice: 'es', dubVoice: 'es+f2', parts: ['Pablo bebe vino blanco en el puerto.', 'Mamá compra pan y fruta por la mañana.'] },
  ];
  for (const c of cases) {
    it(`aligns a ${c.lang} script to a dub in another voice within 40 ms median`, async () => {
      const dub = await syntheticDub(c.parts, c.dubVoice, 0.6, 0.9);
      const synth = await espeakSynthesize(c.parts.join(' '), { voice: c.scriptVoice });
      const aligned = alignPhonesToAudio({ synth16k: synth.samples16k, synthPhones: synth.phones, target16k: dub.samples, targetStartSec: 0 });
      const e = startErrors(dub.truth, aligned);
      console.log(`${c.lang}: ${e.matched}/${e.total} phones matched, median start error ${(e.median * 1000).toFixed(1)} ms`);
      expect(e.matched / e.total).toBeGreaterThan(0.8);
      expect(e.median).toBeLessThan(0.04);
    });
  }

  it('says clearly when a voice does not exist', async () => {
    await expect(espeakSynthesize('hello', { voice: 'xx-nope' })).rejects.toThrow(/no voice "xx-nope"/);
  });
});
