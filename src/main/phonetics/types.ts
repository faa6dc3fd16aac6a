import type { Viseme } from './visemes';

/** One phone with its time span in seconds (on the timeline of the audio it was found in). */
export interface TimedPhone {
  /** Phone name in the timing's alphabet (IPA from espeak-ng, ARPAbet from pocketsphinx). */
  phone: string;
  /** Start and end, seconds; `end > start`. */
  start: number;
  end: number;
  /** MPEG-4 viseme 0..14 (0 = silence); see `visemes.ts`. */
  viseme: Viseme;
  vowel: boolean;
}

/** Where a track's phone timing came from. */
export type PhoneSource = 'script' | 'recognizer' | 'none';

/**
 * Phone timing of one audio track on the clip timeline (seconds, sample 0 = 0 s). Gaps between
 * phones are silence when `source` is not 'none'. `note` says how it was found or why not (for
 * the log and the editor's inspector).
 */
export interface PhoneTiming {
  source: PhoneSource;
  alphabet: 'ipa' | 'arpabet' | null;
  phones: TimedPhone[];
  note: string;
}
