import { promises as fsp, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../util/errors';
import { runTool } from './run-tool';
import { arpabetViseme } from './visemes';
import type { TimedPhone } from './types';

/** Where Debian's `pocketsphinx-en-us` installs the US English acoustic model and phone LM. */
export const POCKETSPHINX_MODEL_DIR = process.env.DUBBING_POCKETSPHINX_MODEL ?? '/usr/share/pocketsphinx/model/en-us';

/** Why phone recognition is not available (program or model missing, or it failed). */
export class RecognizerUnavailable extends UserError {}

/**
 * Parses `pocketsphinx_continuous -time yes` output: after the hypothesis line, one line per
 * segment `NAME START END PROB` (seconds from the start of the file). Lines that do not match are
 * ignored; `(NULL)` and `<s>`/`</s>` markers are silence. Pure; exported for tests.
 * @returns ARPAbet phones with visemes; noise phones (`+SPN+`, `+NSN+`, ...) keep viseme 0 only
 *   when they are not speech (`+SPN+` is dropped: unknown).
 */
export function parsePocketsphinxTimes(stdout: string, offsetSec = 0): TimedPhone[] {
  const out: TimedPhone[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*$/.exec(line.trim());
    if (!m) continue;
    const name = m[1] === '<s>' || m[1] === '</s>' || m[1] === '(NULL)' || m[1] === '<sil>' ? 'SIL' : m[1];
    // Segment times are frame starts (10 ms frames): END is the start of its last frame.
    const start = Number(m[2]) + offsetSec;
    const end = Number(m[3]) + 0.01 + offsetSec;
    const v = arpabetViseme(name) ?? (/^\+NSN\+|^\+BREATH\+/.test(name) ? { viseme: 0, vowel: false } : null);
    if (!v) continue;
    out.push({ phone: name, start, end, viseme: v.viseme, vowel: v.vowel });
  }
  return out;
}

/** 16 kHz mono float32 -> a 16-bit PCM WAV file's bytes. */
export function wav16(samples: Float32Array): Buffer {
  const buf = Buffer.alloc(44 + samples.length * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + samples.length * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(16000, 24);
  buf.writeUInt32LE(32000, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), 44 + i * 2);
  return buf;
}

/**
 * US English phone recognition with pocketsphinx (CMU Sphinx; Debian `pocketsphinx` +
 * `pocketsphinx-en-us`) in allphone mode: the acoustic model `en-us` and the phone language model
 * `en-us-phone.lm.bin` shipped in the package, `pocketsphinx_continuous -infile WAV -allphone ...
 * -time yes`. Beams 1e-10 (about 0.5 s per second of audio on one core; the default 1e-48 is 10x
 * slower for the same phones on our clips), language weight 2.
 * @param samples16k 16 kHz mono float32; phones come back in seconds from its sample 0.
 * @throws RecognizerUnavailable (E_NO_RECOGNIZER) when the program or the model is missing, or it
 *   fails; CancelledError on abort.
 */
export async function recognizePhones(samples16k: Float32Array, o: { signal?: AbortSignal } = {}): Promise<TimedPhone[]> {
  const hmm = path.join(POCKETSPHINX_MODEL_DIR, 'en-us');
  const lm = path.join(POCKETSPHINX_MODEL_DIR, 'en-us-phone.lm.bin');
  const install = 'Install pocketsphinx and pocketsphinx-en-us (Debian: apt-get install pocketsphinx pocketsphinx-en-us), or give the dub\'s script (--script); the dub is rendered from the audio features alone meanwhile.';
  if (!existsSync(hmm) || !existsSync(lm)) throw new RecognizerUnavailable('E_NO_RECOGNIZER', `The pocketsphinx US English model is not installed (${POCKETSPHINX_MODEL_DIR}).`, install);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'dub-ps-'));
  const wav = path.join(dir, 'in.wav');
  try {
    await fsp.writeFile(wav, wav16(samples16k));
    const r = await runTool('pocketsphinx_continuous', ['-infile', wav, '-hmm', hmm, '-allphone', lm, '-backtrace', 'yes', '-time', 'yes', '-beam', '1e-10', '-pbeam', '1e-10', '-lw', '2.0', '-logfn', '/dev/null'], { signal: o.signal });
    if (r.missing) throw new RecognizerUnavailable('E_NO_RECOGNIZER', 'pocketsphinx_continuous is not installed.', install);
    if (r.code !== 0) throw new RecognizerUnavailable('E_NO_RECOGNIZER', `pocketsphinx failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`, install);
    return parsePocketsphinxTimes(r.stdout.toString('utf8'));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
