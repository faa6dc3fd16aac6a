import { convertFrames } from './rate';
import type { NleClip, NleTrack, TrackKind } from './model';

/** A clip as a reader found it, before tracks are put in order. */
export interface LooseClip {
  kind: TrackKind;
  /** 1-based index within its kind (V1 = 1, A2 = 2). */
  trackIndex: number;
  clip: NleClip;
}

/**
 * Builds ordered tracks from the clips a reader collected: V1..Vn then A1..An (empty tracks in
 * between are kept so indices survive), clips sorted by record in. Overlaps (transitions in
 * FCP7/EDL, magnetic overlaps in FCPXML) are resolved as cuts: the later clip's head is trimmed
 * to where the earlier one ends (its source in moves by the same number of frames); a clip that
 * is entirely covered is dropped. Each such change adds a line to `warnings`.
 * @param trackNames optional names keyed `video:1`, `audio:2`; defaults are V1, A2, ...
 */
export function assembleTracks(loose: LooseClip[], warnings: string[], trackNames: Record<string, string> = {}): NleTrack[] {
  const tracks: NleTrack[] = [];
  for (const kind of ['video', 'audio'] as const) {
    const ofKind = loose.filter((l) => l.kind === kind);
    const namedCount = Object.keys(trackNames).filter((k) => k.startsWith(`${kind}:`)).map((k) => Number(k.split(':')[1]));
    const count = Math.max(0, ...ofKind.map((l) => l.trackIndex), ...namedCount);
    for (let i = 1; i <= count; i++) {
      const name = trackNames[`${kind}:${i}`] ?? `${kind === 'video' ? 'V' : 'A'}${i}`;
      const clips = ofKind
        .filter((l) => l.trackIndex === i)
        .map((l) => l.clip)
        .sort((a, b) => a.recordIn - b.recordIn || a.recordOut - b.recordOut);
      const kept: NleClip[] = [];
      for (const c of clips) {
        const prev = kept[kept.length - 1];
        if (!prev || c.recordIn >= prev.recordOut) {
          kept.push(c);
          continue;
        }
        if (c.recordOut <= prev.recordOut) {
          warnings.push(`${name}: clip "${c.name}" lies entirely under "${prev.name}" and was left out.`);
          continue;
        }
        const cut = prev.recordOut - c.recordIn;
        // Timeline frames -> media frames for the head trim (exact when the rates match).
        const srcCut = convertFrames(cut, timelineRateOf(c), c.mediaRate);
        warnings.push(`${name}: clip "${c.name}" overlapped "${prev.name}" by ${cut} frame(s) (a transition?); it now starts at the cut.`);
        kept.push({ ...c, recordIn: prev.recordOut, sourceIn: Math.min(c.sourceIn + srcCut, c.sourceOut - 1) });
      }
      tracks.push({ kind, name, clips: kept });
    }
  }
  return tracks;
}

/**
 * The rate a clip's record frames count at, recovered from its own ranges: when source and
 * record lengths match, frames map one to one (the usual case); otherwise the media rate scaled
 * by the length ratio.
 */
function timelineRateOf(c: NleClip) {
  const rec = c.recordOut - c.recordIn;
  const src = c.sourceOut - c.sourceIn;
  if (rec === src) return c.mediaRate;
  return { num: c.mediaRate.num * rec, den: c.mediaRate.den * src };
}
