/**
 * Phones to visemes. The viseme set is the MPEG-4 one (ISO/IEC 14496-2, Annex C, the 15 visemes
 * of FAP 1): 0 none (silence), 1 p b m, 2 f v, 3 T D, 4 t d, 5 k g, 6 tS dZ S, 7 s z, 8 n l,
 * 9 r, 10 A: (car), 11 e (bed), 12 I (tip), 13 Q (top), 14 U (book). Phones MPEG-4 does not list
 * are put with the nearest articulation (w, ɥ -> 14 rounded; j -> 12; h -> 11; ŋ, x -> 5).
 *
 * Three phone alphabets are read: IPA (what the espeak-ng stage reports), espeak-ng's ASCII
 * phoneme mnemonics (`espeak-ng -x`) and CMU/ARPAbet (pocketsphinx's en-us phone set).
 *
 * For lip-sync the 15 visemes are grouped into coarse `LipClass`es: silence, bilabial
 * (closure), labiodental (lower lip on the teeth), rounded, open (open and mid vowels), other.
 */

/** MPEG-4 viseme number 0..14 (see the module comment). */
export type Viseme = number;

/** "No label" in per-frame viseme arrays (no phone known there). */
export const NO_VISEME = 255;

/** Short names of the MPEG-4 visemes, index = viseme number. */
export const MPEG4_VISEME_NAMES: readonly string[] = ['sil', 'p_b_m', 'f_v', 'th_dh', 't_d', 'k_g', 'ch_jh_sh', 's_z', 'n_l', 'r', 'A', 'e', 'I', 'O', 'U'];

/** Coarse lip classes used by the reference engine's cost and by `eval visemes`. */
export type LipClass = 'silence' | 'bilabial' | 'labiodental' | 'rounded' | 'open' | 'other';

/** Lip class of each MPEG-4 viseme (index = viseme number). */
const CLASS_OF: readonly LipClass[] = ['silence', 'bilabial', 'labiodental', 'other', 'other', 'other', 'other', 'other', 'other', 'other', 'open', 'open', 'other', 'rounded', 'rounded'];

/** The coarse lip class of an MPEG-4 viseme; null for `NO_VISEME` or out-of-range numbers. */
export function lipClass(v: Viseme): LipClass | null {
  return v >= 0 && v < CLASS_OF.length ? CLASS_OF[v] : null;
}

/** A phone mapped to its viseme: `vowel` says whether it is a vowel (or diphthong). */
export interface PhoneViseme {
  viseme: Viseme;
  vowel: boolean;
}

// ---- CMU / ARPAbet (pocketsphinx en-us) ----

const ARPABET: Record<string, PhoneViseme> = {
  SIL: { viseme: 0, vowel: false },
  P: { viseme: 1, vowel: false }, B: { viseme: 1, vowel: false }, M: { viseme: 1, vowel: false },
  F: { viseme: 2, vowel: false }, V: { viseme: 2, vowel: false },
  TH: { viseme: 3, vowel: false }, DH: { viseme: 3, vowel: false },
  T: { viseme: 4, vowel: false }, D: { viseme: 4, vowel: false },
  K: { viseme: 5, vowel: false }, G: { viseme: 5, vowel: false }, NG: { viseme: 5, vowel: false },
  CH: { viseme: 6, vowel: false }, JH: { viseme: 6, vowel: false }, SH: { viseme: 6, vowel: false }, ZH: { viseme: 6, vowel: false },
  S: { viseme: 7, vowel: false }, Z: { viseme: 7, vowel: false },
  N: { viseme: 8, vowel: false }, L: { viseme: 8, vowel: false },
  R: { viseme: 9, vowel: false },
  W: { viseme: 14, vowel: false }, Y: { viseme: 12, vowel: false }, HH: { viseme: 11, vowel: false },
  AA: { viseme: 10, vowel: true }, AE: { viseme: 10, vowel: true }, AH: { viseme: 10, vowel: true }, AW: { viseme: 10, vowel: true }, AY: { viseme: 10, vowel: true },
  EH: { viseme: 11, vowel: true }, EY: { viseme: 11, vowel: true }, ER: { viseme: 9, vowel: true },
  IH: { viseme: 12, vowel: true }, IY: { viseme: 12, vowel: true },
  AO: { viseme: 13, vowel: true }, OW: { viseme: 13, vowel: true }, OY: { viseme: 13, vowel: true },
  UH: { viseme: 14, vowel: true }, UW: { viseme: 14, vowel: true },
};

/**
 * Viseme of a CMU/ARPAbet phone (`AA`..`ZH`, `SIL`; stress digits as in `AH0` are ignored).
 * @returns null for noise/filler phones (`+SPN+`, `+NSN+`, ...) and unknown names.
 */
export function arpabetViseme(phone: string): PhoneViseme | null {
  const p = phone.trim().toUpperCase().replace(/[0-2]$/, '');
  return ARPABET[p] ?? null;
}

// ---- IPA (espeak-ng with phoneme events in IPA) ----

const IPA_CONSONANTS: Array<[string, Viseme]> = [
  // Multi-character affricates first.
  ['t͡ʃ', 6], ['d͡ʒ', 6], ['tʃ', 6], ['dʒ', 6], ['t͡s', 7], ['ts', 7], ['d͡z', 7], ['dz', 7], ['p͡f', 1], ['pf', 1], ['tɕ', 6], ['dʑ', 6],
  ['p', 1], ['b', 1], ['m', 1], ['ɸ', 1], ['β', 1],
  ['f', 2], ['v', 2], ['ʋ', 2], ['ɱ', 2],
  ['θ', 3], ['ð', 3],
  ['t', 4], ['d', 4], ['ɾ', 4], ['ʈ', 4], ['ɖ', 4],
  ['k', 5], ['g', 5], ['ɡ', 5], ['ŋ', 5], ['x', 5], ['ɣ', 5], ['q', 5], ['ɢ', 5], ['χ', 5], ['ʔ', 5],
  ['ʃ', 6], ['ʒ', 6], ['ɕ', 6], ['ʑ', 6], ['ç', 6], ['c', 6], ['ɟ', 5], ['ʂ', 6], ['ʐ', 6],
  ['s', 7], ['z', 7],
  ['n', 8], ['l', 8], ['ɲ', 8], ['ʎ', 8], ['ɫ', 8], ['ɳ', 8], ['ɭ', 8],
  ['r', 9], ['ɹ', 9], ['ɻ', 9], ['ʁ', 9], ['ʀ', 9],
  ['w', 14], ['ɥ', 14], ['ʍ', 14],
  ['j', 12], ['h', 11], ['ɦ', 11],
];
const IPA_VOWELS: Array<[string, Viseme]> = [
  ['a', 10], ['ɑ', 10], ['æ', 10], ['ɐ', 10], ['ʌ', 10], ['ɶ', 10],
  ['e', 11], ['ɛ', 11], ['ə', 11], ['ɜ', 11], ['ɚ', 9], ['ɝ', 9], ['ɘ', 11],
  ['i', 12], ['ɪ', 12], ['ɨ', 12], ['ᵻ', 12],
  ['o', 13], ['ɔ', 13], ['ɒ', 13], ['ɤ', 13],
  ['u', 14], ['ʊ', 14], ['y', 14], ['ʏ', 14], ['ø', 14], ['œ', 13], ['ɯ', 14], ['ɵ', 14], ['ʉ', 14],
];
/**
 * Stress, length, aspiration and palatalization marks and every combining diacritic (nasal,
 * syllabic, non-syllabic, tie; after NFD, so `ç` reads as `c`) are not visemes.
 */
const IPA_MARKS = /[ˈˌːˑ'‿ʰʲʷ]|[\u0300-\u036f]/gu;

/**
 * Viseme of one IPA phone (`p`, `aɪ`, `t͡ʃ`, `ˈɑː`, ...); a diphthong gets the viseme of its
 * first element. Pause marks (`_`, empty, `‖`, `|`) are silence.
 * @returns null when the symbol is unknown.
 */
export function ipaViseme(phone: string): PhoneViseme | null {
  const raw = phone.normalize('NFD').trim();
  if (raw === '' || /^[_|‖.]+:?$/.test(raw)) return { viseme: 0, vowel: false };
  const p = raw.replace(IPA_MARKS, '');
  for (const [sym, v] of IPA_CONSONANTS) if (sym.length > 1 && p.startsWith(sym.replace(IPA_MARKS, ''))) return { viseme: v, vowel: false };
  if (p === '') return null;
  for (const [sym, v] of IPA_VOWELS) if (p.startsWith(sym)) return { viseme: v, vowel: true };
  for (const [sym, v] of IPA_CONSONANTS) if (p.startsWith(sym)) return { viseme: v, vowel: false };
  return null;
}

// ---- espeak-ng ASCII mnemonics (Kirshenbaum-like; `espeak-ng -x`) ----

const ESPEAK_CONSONANTS: Array<[string, Viseme]> = [
  ['tS', 6], ['dZ', 6], ['ts', 7], ['dz', 7], ['pF', 1], ['pf', 1],
  ['p', 1], ['b', 1], ['m', 1], ['B', 1],
  ['f', 2], ['v', 2],
  ['T', 3], ['D', 3],
  ['t', 4], ['d', 4], ['*', 4],
  ['k', 5], ['g', 5], ['N', 5], ['x', 5], ['Q', 5], ['G', 5], ['?', 5],
  ['S', 6], ['Z', 6], ['C', 6], ['c', 6],
  ['s', 7], ['z', 7],
  ['n', 8], ['l', 8], ['L', 8], ['J', 8],
  ['r', 9], ['R', 9],
  ['w', 14], ['W', 14], ['j', 12], ['h', 11],
];
const ESPEAK_VOWELS: Array<[string, Viseme]> = [
  ['aa', 10], ['a', 10], ['A', 10], ['V', 10],
  ['3', 11], ['@', 11], ['e', 11], ['E', 11],
  ['i', 12], ['I', 12],
  ['0', 13], ['O', 13], ['o', 13],
  ['u', 14], ['U', 14], ['y', 14], ['Y', 14],
];

/**
 * Viseme of one espeak-ng phoneme mnemonic (`b`, `aI`, `tS`, `0`, `O:`, `_:`); stress marks
 * (`'`, `,`) and length marks (`:`) are ignored; `_`-pauses are silence. Vowel mnemonics start
 * with a vowel symbol (`a A V 3 @ e E i I 0 O o u U y Y`); a diphthong gets its first element.
 * @returns null when the mnemonic is unknown.
 */
export function espeakViseme(phone: string): PhoneViseme | null {
  const p = phone.trim().replace(/^['",%=]+/, '');
  if (p === '' || p.startsWith('_')) return { viseme: 0, vowel: false };
  for (const [sym, v] of ESPEAK_CONSONANTS) if (sym.length > 1 && p.startsWith(sym)) return { viseme: v, vowel: false };
  for (const [sym, v] of ESPEAK_VOWELS) if (p.startsWith(sym)) return { viseme: v, vowel: true };
  for (const [sym, v] of ESPEAK_CONSONANTS) if (p.startsWith(sym)) return { viseme: v, vowel: false };
  return null;
}

/** Which phone alphabet a phone name is written in. */
export type PhoneAlphabet = 'ipa' | 'espeak' | 'arpabet';

/** Viseme of a phone in the given alphabet (see `ipaViseme`, `espeakViseme`, `arpabetViseme`). */
export function phoneViseme(phone: string, alphabet: PhoneAlphabet): PhoneViseme | null {
  return alphabet === 'ipa' ? ipaViseme(phone) : alphabet === 'espeak' ? espeakViseme(phone) : arpabetViseme(phone);
}
