import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { CancelledError, UserError } from '../util/errors';
import { writeFileAtomic } from '../util/atomic';
import { espeakSynthesize } from './espeak';
import { alignPhonesToAudio } from './align';
import { recognizePhones } from './pocketsphinx';
import type { ScriptCue } from './script';
import type { PhoneTiming } from './types';

/** Bump when the phone timing or the per-frame viseme labels of the same inputs change (phone cache and render cache keys include it). */
export const PHONETICS_VERSION = 4;

/** Audio margin around an SRT cue searched for its speech, seconds. */
export const CUE_MARGIN_SEC = 0.4;

export interface PhoneticOptions {
  /** The track's script (SRT cues in seconds on the clip timeline, or one cue without times). */
  script?: ScriptCue[] | null;
  /**
   * Language of the speech as an espeak-ng voice (`en-us`, `de`, `es`, ...; default `en-us`).
   * Without a script only English (`en*`) is recognized.
   */
  language?: string;
  /** Cache folder; results go to `<cacheDir>/phonetics/<key>.json`. None: no disk cache. */
  cacheDir?: string;
  signal?: AbortSignal;
  log?: (m: string) => void;
  /** What the track is, for messages: 'dub' or 'original audio'. */
  label?: string;
}

/** True when an espeak-ng language/voice name is English (`en`, `en-us`, `en-gb+f3`, ...). */
export function isEnglish(language: string): boolean {
  return /^en([-_+].*)?$/i.test(language.trim());
}

/** Cache key of a phone timing: stage version, language, script and the samples' content. */
export function phoneticsKey(samples16k: Float32Array, o: Pick<PhoneticOptions, 'script' | 'language'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: PHONETICS_VERSION, lang: o.language ?? 'en-us', script: o.script ?? null }));
  h.update(Buffer.from(samples16k.buffer, samples16k.byteOffset, samples16k.byteLength));
  return h.digest('hex').slice(0, 32);
}

const memo = new Map<string, PhoneTiming>();

/** True when the track is digital silence or nearly so (a clip without audio). */
function isSilent(x: Float32Array): boolean {
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]));
  return peak < 1e-4;
}

/**
 * Phonetic timing stage: the phones of a 16 kHz track on the clip timeline, with their MPEG-4
 * visemes. With a script: forced alignment of espeak-ng's synthesis of each cue (phone timing
 * reported by espeak-ng) to the track by MFCC DTW (`align.ts`), in any language espeak-ng speaks.
 * Without a script and in English: pocketsphinx phone recognition. Otherwise, or when a tool is
 * missing or fails: `source: 'none'` with a note saying why (never throws for that; the engine
 * then uses the audio features alone). Results are cached by content (`phoneticsKey`) on disk
 * and in memory; failures are not cached, so installing a tool takes effect on the next run.
 * @param samples16k 16 kHz mono float32, sample 0 = clip time 0.
 * @throws CancelledError on abort only.
 */
export async function phoneticTiming(samples16k: Float32Array, o: PhoneticOptions = {}): Promise<PhoneTiming> {
  const language = o.language ?? 'en-us';
  const label = o.label ?? 'audio';
  const key = phoneticsKey(samples16k, { script: o.script, language });
  const hit = memo.get(key);
  if (hit) return hit;
  const file = o.cacheDir ? path.join(o.cacheDir, 'phonetics', `${key}.json`) : null;
  if (file) {
    try {
      const cached = JSON.parse(await fsp.readFile(file, 'utf8')) as PhoneTiming;
      memo.set(key, cached);
      o.log?.(`phonetics (${label}): cache hit`);
      return cached;
    } catch {
      // Not cached.
    }
  }
  if (isSilent(samples16k)) return { source: 'none', alphabet: null, phones: [], note: `The ${label} is silent: no phones.` };
  let timing: PhoneTiming;
  try {
    if (o.script && o.script.length > 0) timing = await alignScript(samples16k, o.script, language, o.signal);
    else if (isEnglish(language)) {
      const phones = await recognizePhones(samples16k, { signal: o.signal });
      timing = { source: 'recognizer', alphabet: 'arpabet', phones, note: `${phones.length} phones recognized by pocketsphinx (US English).` };
    } else {
      timing = { source: 'none', alphabet: null, phones: [], note: `No script for the ${label} and no phone recognizer for "${language}" (pocketsphinx here knows US English only): lips follow the audio features alone. Give the script (--script) for viseme timing.` };
    }
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    if (!(err instanceof UserError)) throw err;
    timing = { source: 'none', alphabet: null, phones: [], note: `No phone timing for the ${label}: ${err.message} ${err.hint}`.trim() };
  }
  o.log?.(`phonetics (${label}): ${timing.note}`);
  if (timing.source !== 'none') {
    memo.set(key, timing);
    if (file) {
      try {
        await fsp.mkdir(path.dirname(file), { recursive: true });
        await writeFileAtomic(file, JSON.stringify(timing));
      } catch (err) {
        o.log?.(`phonetics: could not write the cache ${file}: ${(err as Error).message}`);
      }
    }
  }
  return timing;
}

/** Aligns each cue (or the one untimed text) of a script to its stretch of the track. */
async function alignScript(samples16k: Float32Array, script: ScriptCue[], language: string, signal?: AbortSignal): Promise<PhoneTiming> {
  const total = samples16k.length / 16000;
  const phones: PhoneTiming['phones'] = [];
  const timed = script.every((c) => c.start !== undefined && c.end !== undefined);
  const cues = timed ? [...script].sort((a, b) => a.start! - b.start!) : [{ text: script.map((c) => c.text).join(' ') }];
  for (let k = 0; k < cues.length; k++) {
    const c = cues[k];
    let a = 0;
    let b = total;
    if (timed) {
      // The cue's stretch, widened by a margin but not past the middle of a neighbour's gap.
      const prevEnd = k > 0 ? cues[k - 1].end! : -Infinity;
      const nextStart = k + 1 < cues.length ? cues[k + 1].start! : Infinity;
      a = Math.max(0, c.start! - CUE_MARGIN_SEC, (prevEnd + c.start!) / 2);
      b = Math.min(total, c.end! + CUE_MARGIN_SEC, (c.end! + nextStart) / 2);
      if (b - a < 0.05) continue;
    }
    const synth = await espeakSynthesize(c.text, { voice: language, signal });
    const target = samples16k.subarray(Math.round(a * 16000), Math.round(b * 16000));
    const aligned = alignPhonesToAudio({ synth16k: synth.samples16k, synthPhones: synth.phones, target16k: target, targetStartSec: a });
    phones.push(...aligned.filter((p) => p.end > p.start && p.viseme !== 0));
  }
  return { source: 'script', alphabet: 'ipa', phones, note: `${phones.length} phones of the script aligned (espeak-ng "${language}" + DTW)${timed ? ` in ${cues.length} cue(s)` : ''}.` };
}
