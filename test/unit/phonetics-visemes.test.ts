import { describe, expect, it } from 'vitest';
import { arpabetViseme, espeakViseme, ipaViseme, lipClass, NO_VISEME, phoneViseme } from '../../src/main/phonetics/visemes';
import { frameVisemes, MIN_BILABIAL_SEC } from '../../src/main/phonetics/frame-visemes';
import type { PhoneTiming, TimedPhone } from '../../src/main/phonetics/types';

const cls = (v: { viseme: number } | null) => (v ? lipClass(v.viseme) : null);

describe('phone -> viseme (MPEG-4)', () => {
  it('maps ARPAbet (pocketsphinx) phones to the MPEG-4 visemes and lip classes', () => {
    for (const p of ['P', 'B', 'M']) expect(cls(arpabetViseme(p))).toBe('bilabial');
    for (const p of ['F', 'V']) expect(cls(arpabetViseme(p))).toBe('labiodental');
    for (const p of ['W', 'UW', 'OW', 'UH', 'AO']) expect(cls(arpabetViseme(p))).toBe('rounded');
    for (const p of ['AA', 'AE', 'EH']) expect(cls(arpabetViseme(p))).toBe('open');
    expect(cls(arpabetViseme('SIL'))).toBe('silence');
    expect(arpabetViseme('AH1')).toEqual({ viseme: 10, vowel: true });
    expect(arpabetViseme('T')).toEqual({ viseme: 4, vowel: false });
    expect(arpabetViseme('+SPN+')).toBeNull();
    expect(arpabetViseme('XYZ')).toBeNull();
  });

  it('maps IPA phones (espeak-ng events) including stress, length and affricates', () => {
    for (const p of ['p', 'b', 'm', 'ˈb', 'pʰ']) expect(cls(ipaViseme(p))).toBe('bilabial');
    for (const p of ['f', 'v', 'ʋ']) expect(cls(ipaViseme(p))).toBe('labiodental');
    for (const p of ['w', 'uː', 'oʊ', 'ʊ', 'y', 'ø']) expect(cls(ipaViseme(p))).toBe('rounded');
    for (const p of ['ɑː', 'a', 'æ', 'aɪ', 'ɛ', 'eɪ']) expect(cls(ipaViseme(p))).toBe('open');
    expect(ipaViseme('t͡ʃ')).toEqual({ viseme: 6, vowel: false });
    expect(ipaViseme('tʃ')).toEqual({ viseme: 6, vowel: false });
    expect(ipaViseme('p͡f')?.viseme).toBe(1); // German pf starts with a closure
    expect(ipaViseme('ɪ')).toEqual({ viseme: 12, vowel: true });
    expect(ipaViseme('_')?.viseme).toBe(0);
    expect(ipaViseme('')?.viseme).toBe(0);
    expect(ipaViseme('☃')).toBeNull();
    expect(ipaViseme('ɐ̯')).toEqual({ viseme: 10, vowel: true }); // German non-syllabic a: a vowel, not r
    expect(ipaViseme('ç')?.viseme).toBe(6); // NFD splits ç into c + cedilla
    expect(ipaViseme('ã')).toEqual({ viseme: 10, vowel: true });
  });

  it('maps espeak-ng ASCII mnemonics', () => {
    for (const p of ['p', 'b', 'm']) expect(cls(espeakViseme(p))).toBe('bilabial');
    for (const p of ['f', 'v']) expect(cls(espeakViseme(p))).toBe('labiodental');
    expect(espeakViseme('tS')?.viseme).toBe(6);
    expect(espeakViseme('aI')).toEqual({ viseme: 10, vowel: true });
    expect(espeakViseme("'0")).toEqual({ viseme: 13, vowel: true });
    expect(espeakViseme('u:')).toEqual({ viseme: 14, vowel: true });
    expect(espeakViseme('_:')?.viseme).toBe(0);
    expect(phoneViseme('B', 'arpabet')?.viseme).toBe(1);
    expect(phoneViseme('b', 'espeak')?.viseme).toBe(1);
    expect(phoneViseme('b', 'ipa')?.viseme).toBe(1);
  });
});

describe('frameVisemes', () => {
  const ph = (phone: string, start: number, end: number, viseme: number, vowel = false): TimedPhone => ({ phone, start, end, viseme, vowel });
  const timing = (phones: TimedPhone[]): PhoneTiming => ({ source: 'script', alphabet: 'ipa', phones, note: '' });

  it('labels each frame with the phone it shows, the lips leading the sound', () => {
    // 25 fps: frame i at 0.04 i s; lead 0.04 s -> frame i shows the audio around 0.04 (i + 1).
    const t = timing([ph('a', 0.2, 0.4, 10, true), ph('u', 0.4, 0.6, 14, true)]);
    const v = frameVisemes(t, { fpsNum: 25, fpsDen: 1, frameCount: 20 });
    expect(v[3]).toBe(0); // 0.16 s: silence (before the speech)
    expect(v[5]).toBe(10); // audio 0.24 s
    expect(v[8]).toBe(10); // audio [0.34, 0.38): 'a'
    expect(v[10]).toBe(14); // audio [0.42, 0.46): 'u'
    expect(v[12]).toBe(14);
    expect(v[19]).toBe(0);
  });

  it('keeps a closure shorter than a frame (bilabial wins over a longer vowel)', () => {
    const t = timing([ph('a', 0.1, 0.395, 10, true), ph('p', 0.395, 0.42, 1), ph('a', 0.42, 0.8, 10, true)]);
    const v = frameVisemes(t, { fpsNum: 25, fpsDen: 1, frameCount: 25, leadSec: 0 });
    expect(Array.from(v).filter((x) => x === 1).length).toBeGreaterThanOrEqual(1);
    expect(v[10]).toBe(1); // frame 10 at 0.40 s covers [0.38, 0.42)
  });

  it('lengthens a short bilabial backwards to MIN_BILABIAL_SEC, leaving the next vowel onset open', () => {
    // /p/ of 25 ms at [0.395, 0.42): closure frames cover audio [0.32, 0.42) (0.1 s), not after it.
    const t = timing([ph('a', 0.1, 0.395, 10, true), ph('p', 0.395, 0.42, 1), ph('a', 0.42, 0.8, 10, true)]);
    const v = frameVisemes(t, { fpsNum: 25, fpsDen: 1, frameCount: 25, leadSec: 0 });
    expect(MIN_BILABIAL_SEC).toBeCloseTo(0.1);
    expect([v[7], v[8], v[9], v[10], v[11]]).toEqual([10, 1, 1, 1, 10]); // frames at 0.28 .. 0.44 s
    // Off with minBilabialSec 0: only the frame holding the /p/.
    const v0 = frameVisemes(t, { fpsNum: 25, fpsDen: 1, frameCount: 25, leadSec: 0, minBilabialSec: 0 });
    expect(Array.from(v0).filter((x) => x === 1).length).toBe(1);
  });

  it('uses exact frame timing at NTSC rates and marks unknown timing as NO_VISEME', () => {
    const t = timing([ph('m', 1000.99, 1001.02, 1)]);
    const v = frameVisemes(t, { fpsNum: 30000, fpsDen: 1001, frameCount: 30002, leadSec: 0 });
    expect(v[30000]).toBe(1); // frame 30000 is at exactly 1001 s
    const none = frameVisemes({ source: 'none', alphabet: null, phones: [], note: '' }, { fpsNum: 25, fpsDen: 1, frameCount: 4 });
    expect(Array.from(none)).toEqual([NO_VISEME, NO_VISEME, NO_VISEME, NO_VISEME]);
  });
});
