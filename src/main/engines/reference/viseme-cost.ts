import { NO_VISEME, lipClass } from '../../phonetics/visemes';
import { percentile } from '../../util/stats';

/**
 * Weights of the viseme-agreement term, in the units of the reference engine's unary cost (its
 * audio distance is normalized to a median of 1; a cut between reference stretches costs about
 * 1-3). Closures are hard: larger than two cuts, so the path leaves a run of open frames for a
 * one- or two-frame /p b m/.
 */
export const VISEME_COST = {
  /** Dub bilabial (p b m) on a reference frame that is open (saturates a quarter of the way up the actor's range). */
  bilabialOpen: 6,
  /** Dub labiodental (f v) on an open reference frame (above the contact level). */
  labiodentalOpen: 4,
  /** Dub silence on an open reference frame. */
  silenceOpen: 3,
  /** Dub vowel on a reference frame at the closed level (mouth shut where it must open). */
  vowelClosed: 4,
  /**
   * Label disagreement (reference frame labelled from its own audio with another class). Small:
   * recognized phones of the original are noisy and the opening already carries closures (on
   * talk-b a label weight of 1 instead of 0.3 lowered the lift 0.79 -> 0.66 and the proxy).
   */
  label: 0.3,
} as const;

/** The actor's levels of mouth opening (inner-lip gap / face height) used by the cost. */
export interface OpeningLevels {
  /** Closed: 5th percentile of the reference frames' openings (shut frames can be rare in a reference). */
  closed: number;
  /** Open: 90th percentile. */
  open: number;
}

/** Closed and open levels of a set of mouth openings (5th and 90th percentiles). */
export function openingLevels(openings: ArrayLike<number>): OpeningLevels {
  return { closed: percentile(openings, 0.05), open: percentile(openings, 0.9) };
}

/**
 * Viseme-agreement cost between output frames and reference frames, to add to the reference
 * engine's unary cost (`reference-engine.ts`). For each output frame t with dub viseme `dub[t]`
 * (MPEG-4 viseme of the dub's phones, `phonetics/visemes.ts`) and each reference frame r with
 * mouth opening `openings[r]` and viseme `ref[r]` (phones of the reference's original audio):
 * - bilabial (p b m): `bilabialOpen * ramp(open_r - closed)` + `label` when r is labelled and not
 *   bilabial; the lips must close, so an open reference frame costs more than two cuts;
 * - labiodental (f v): `labiodentalOpen * ramp(open_r - contact)`, contact = closed + 20 % of the
 *   range; `label` when r is labelled neither labiodental (0) nor bilabial (half);
 * - silence: `silenceOpen * ramp(open_r - closed)` (the mouth stays shut);
 * - vowels (visemes 10-14): `vowelClosed * (1 - ramp(open_r - closed))` (no shut mouth on a
 *   vowel); rounded vowels also `label` when r is labelled and not rounded;
 * - anything else, or `NO_VISEME`: 0.
 * `ramp(x) = clamp(x / (0.25 * (open - closed)), 0, 1)`. Everything is multiplied by `weight`.
 * @param dub Uint8Array(T) visemes of the output frames (255 = unknown).
 * @param ref Uint8Array(R) visemes of the reference frames, or null when unknown.
 * @param openings R mouth openings of the reference frames (inner-lip gap / face height).
 * @returns Float32Array(T * R), row-major [T, R], >= 0.
 */
export function visemeCost(o: { dub: Uint8Array; ref: Uint8Array | null; openings: ArrayLike<number>; weight: number; levels?: OpeningLevels }): Float32Array {
  const T = o.dub.length;
  const R = o.openings.length;
  const out = new Float32Array(T * R);
  if (o.weight <= 0 || R === 0) return out;
  const lv = o.levels ?? openingLevels(o.openings);
  const span = Math.max(1e-6, 0.25 * (lv.open - lv.closed));
  const contact = lv.closed + 0.2 * (lv.open - lv.closed);
  const ramp = (x: number) => Math.min(1, Math.max(0, x / span));
  const refClass = Array.from({ length: R }, (_, r) => (o.ref && o.ref[r] !== NO_VISEME ? lipClass(o.ref[r]) : null));
  const C = VISEME_COST;
  for (let t = 0; t < T; t++) {
    const v = o.dub[t];
    if (v === NO_VISEME) continue;
    const cls = lipClass(v);
    const vowel = v >= 10 && v <= 14;
    for (let r = 0; r < R; r++) {
      const op = o.openings[r];
      const rc = refClass[r];
      let c = 0;
      if (cls === 'bilabial') c = C.bilabialOpen * ramp(op - lv.closed) + (rc && rc !== 'bilabial' ? C.label : 0);
      else if (cls === 'labiodental') c = C.labiodentalOpen * ramp(op - contact) + (rc && rc !== 'labiodental' ? (rc === 'bilabial' ? 0.5 : 1) * C.label : 0);
      else if (cls === 'silence') c = C.silenceOpen * ramp(op - lv.closed);
      else if (vowel) c = C.vowelClosed * (1 - ramp(op - lv.closed)) + (cls === 'rounded' && rc && rc !== 'rounded' ? C.label : 0);
      out[t * R + r] = o.weight * c;
    }
  }
  return out;
}

/**
 * Factor on the reference engine's articulation term (loudness mapped to mouth opening) for an
 * output frame with dub viseme `v`: on closures (bilabial, labiodental) and silence the phones
 * decide, not the loudness (an /m/ or /b/ is voiced and loud enough to ask for an open mouth), so
 * the term fades out as the viseme weight grows: `max(0, 1 - weight)`; 1 on every other frame.
 */
export function articulationFactor(v: number, weight: number): number {
  const cls = v === NO_VISEME ? null : lipClass(v);
  return cls === 'bilabial' || cls === 'labiodental' ? Math.max(0, 1 - weight) : 1;
}
