import { UserError } from '../util/errors';
import { runTool } from './run-tool';
import { resampleLinear } from './align';
import { ipaViseme } from './visemes';
import type { TimedPhone } from './types';

/**
 * espeak-ng synthesis with the phone timing espeak-ng itself reports. The `espeak-ng` program
 * prints phonemes (`-x`, `--ipa`) but no timing (its `--pho` needs an MBROLA voice), so a short
 * Python helper drives Debian's `libespeak-ng.so.1` through ctypes: `espeak_Initialize` with
 * phoneme events in IPA (`espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_PHONEME_IPA`),
 * synchronous synthesis, and every `espeakEVENT_PHONEME` with its sample position. The helper
 * writes 16-bit PCM (22050 Hz) to stdout and one JSON line with the events to stderr.
 */
const HELPER = String.raw`
import ctypes, ctypes.util, sys, json
name = ctypes.util.find_library('espeak-ng') or 'libespeak-ng.so.1'
try:
    lib = ctypes.CDLL(name)
except OSError:
    sys.stderr.write('@@NOLIB@@\n'); sys.exit(3)
class EV(ctypes.Structure):
    _fields_ = [('type', ctypes.c_int), ('uid', ctypes.c_uint), ('text_position', ctypes.c_int), ('length', ctypes.c_int),
                ('audio_position', ctypes.c_int), ('sample', ctypes.c_int), ('user_data', ctypes.c_void_p), ('id', ctypes.c_char * 8)]
voice, rate, pitch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
text = sys.stdin.buffer.read()
sr = lib.espeak_Initialize(2, 0, None, 1 | 2)
if sr <= 0:
    sys.stderr.write('@@NOLIB@@\n'); sys.exit(3)
if lib.espeak_SetVoiceByName(voice.encode()) != 0:
    sys.stderr.write('@@NOVOICE@@\n'); sys.exit(4)
if rate > 0: lib.espeak_SetParameter(1, rate, 0)
if pitch >= 0: lib.espeak_SetParameter(3, pitch, 0)
pcm = bytearray(); events = []
CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(EV))
def cb(wav, n, ev):
    if n > 0 and wav: pcm.extend(ctypes.string_at(wav, n * 2))
    i = 0
    while ev[i].type != 0:
        e = ev[i]
        if e.type == 7: events.append([e.sample, e.id.split(b'\0')[0].decode('utf-8', 'replace')])
        elif e.type == 1: events.append([e.sample, '#word'])
        i += 1
    return 0
c = CB(cb); lib.espeak_SetSynthCallback(c)
b = text + b'\0'
lib.espeak_Synth(ctypes.c_char_p(b), len(b), 0, 0, 0, 1, None, None)
lib.espeak_Synchronize()
sys.stderr.write('@@EVENTS@@' + json.dumps({'sampleRate': sr, 'samples': len(pcm) // 2, 'events': events}) + '\n')
sys.stdout.buffer.write(bytes(pcm))
`;

/** Synthesized speech and its phone timing (seconds from sample 0). */
export interface EspeakSynthesis {
  /** 16 kHz mono float32 (espeak-ng's 22050 Hz output, resampled). */
  samples16k: Float32Array;
  /** Phones in IPA with their MPEG-4 visemes; pauses are viseme 0 (`_`). */
  phones: TimedPhone[];
  /** Word starts (seconds). */
  wordStarts: number[];
}

/** Why espeak-ng could not be used: not installed, no such voice, or another failure. */
export class EspeakUnavailable extends UserError {}

/**
 * Turns espeak-ng's phoneme events (`[sample, ipa]`, in order) into timed phones: each phone runs
 * from its event to the next phone's event (the last to `totalSamples`); zero-length phones are
 * dropped. Pure; exported for tests.
 * @param events [sample index at `sampleRate` Hz, IPA name or '#word'] pairs.
 */
export function phonesFromEvents(events: Array<[number, string]>, sampleRate: number, totalSamples: number): { phones: TimedPhone[]; wordStarts: number[] } {
  const ph = events.filter((e) => e[1] !== '#word');
  const phones: TimedPhone[] = [];
  for (let k = 0; k < ph.length; k++) {
    const s = ph[k][0];
    const e = k + 1 < ph.length ? ph[k + 1][0] : totalSamples;
    if (e <= s) continue;
    const name = ph[k][1] || '_';
    const v = ipaViseme(name) ?? { viseme: 11, vowel: false };
    phones.push({ phone: name, start: s / sampleRate, end: e / sampleRate, viseme: v.viseme, vowel: v.vowel });
  }
  return { phones, wordStarts: events.filter((e) => e[1] === '#word').map((e) => e[0] / sampleRate) };
}

/**
 * Synthesizes `text` with espeak-ng voice `voice` (any espeak-ng language or voice name:
 * `en-us`, `de`, `es`, `en-us+f3`, ...) and returns the speech at 16 kHz with the phone timing
 * espeak-ng reports. `rate` in words per minute (espeak default 175), `pitch` 0-99 (default 50).
 * @throws EspeakUnavailable (a UserError, code E_NO_ESPEAK / E_ESPEAK_VOICE / E_ESPEAK) when
 *   python3 or libespeak-ng is missing, the voice does not exist, or synthesis fails;
 *   CancelledError on abort.
 */
export async function espeakSynthesize(text: string, o: { voice: string; rate?: number; pitch?: number; signal?: AbortSignal }): Promise<EspeakSynthesis> {
  const r = await runTool('python3', ['-c', HELPER, o.voice, String(o.rate ?? 0), String(o.pitch ?? -1)], { input: text, signal: o.signal });
  const install = 'Install espeak-ng and python3 (Debian: apt-get install espeak-ng python3); without them the dub is rendered from the audio features alone.';
  if (r.missing) throw new EspeakUnavailable('E_NO_ESPEAK', 'python3 is not installed, so espeak-ng cannot report phoneme timing.', install);
  if (r.stderr.includes('@@NOLIB@@')) throw new EspeakUnavailable('E_NO_ESPEAK', 'espeak-ng (libespeak-ng) is not installed.', install);
  if (r.stderr.includes('@@NOVOICE@@')) throw new EspeakUnavailable('E_ESPEAK_VOICE', `espeak-ng has no voice "${o.voice}".`, 'Pass an espeak-ng language code (see `espeak-ng --voices`), e.g. en-us, de, es, fr.');
  const line = r.stderr.split('\n').find((l) => l.startsWith('@@EVENTS@@'));
  if (r.code !== 0 || !line) throw new EspeakUnavailable('E_ESPEAK', `espeak-ng synthesis failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`, install);
  const meta = JSON.parse(line.slice('@@EVENTS@@'.length)) as { sampleRate: number; samples: number; events: Array<[number, string]> };
  const pcm = new Float32Array(Math.floor(r.stdout.length / 2));
  for (let i = 0; i < pcm.length; i++) pcm[i] = r.stdout.readInt16LE(i * 2) / 32768;
  const { phones, wordStarts } = phonesFromEvents(meta.events, meta.sampleRate, meta.samples);
  return { samples16k: resampleLinear(pcm, meta.sampleRate, 16000), phones, wordStarts };
}
