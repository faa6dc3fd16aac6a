import type { DubScript, Project, ScriptCueDoc, Segment, Track } from './schema';
import { EditError } from './segments';

/**
 * Dub scripts in the project: a script for a whole dub track and/or one per segment (a segment's
 * own script wins), and the dub's language (an espeak-ng voice). Pure functions over the project;
 * the renderer applies them as edits, the services turn them into the pipeline's `script`.
 */

/** Default language of a dub (espeak-ng voice). */
export const DEFAULT_DUB_LANGUAGE = 'en-us';

function requireTrack(project: Project, id: string): Track {
  const t = project.tracks.find((x) => x.id === id);
  if (!t) throw new EditError('That dub track no longer exists.');
  return t;
}

function requireSeg(project: Project, id: string): Segment {
  const s = project.segments.find((x) => x.id === id);
  if (!s) throw new EditError('That segment no longer exists.');
  return s;
}

/** Sets (or with null removes) the script of a whole dub track. */
export function setTrackScript(project: Project, trackId: string, script: DubScript | null): Project {
  const t = requireTrack(project, trackId);
  const { script: _old, ...rest } = t;
  const next: Track = script ? { ...rest, script } : rest;
  return { ...project, tracks: project.tracks.map((x) => (x.id === trackId ? next : x)) };
}

/** Sets (or with null removes) a segment's own script. */
export function setSegmentScript(project: Project, segmentId: string, script: DubScript | null): Project {
  const s = requireSeg(project, segmentId);
  const { script: _old, ...rest } = s;
  const next: Segment = script ? { ...rest, script } : rest;
  return { ...project, segments: project.segments.map((x) => (x.id === segmentId ? next : x)) };
}

/** Sets the dub language of a track (an espeak-ng voice name; empty or the default removes it). */
export function setTrackLanguage(project: Project, trackId: string, language: string): Project {
  const t = requireTrack(project, trackId);
  const lang = language.trim();
  if (lang && !/^[A-Za-z0-9_+-]{1,40}$/.test(lang)) throw new EditError(`“${lang}” is not a language name: use an espeak-ng voice such as en-us, de, fr, es.`);
  const { language: _old, ...rest } = t;
  const next: Track = lang && lang.toLowerCase() !== DEFAULT_DUB_LANGUAGE ? { ...rest, language: lang } : rest;
  if ((t.language ?? '') === (next.language ?? '')) return project;
  return { ...project, tracks: project.tracks.map((x) => (x.id === trackId ? next : x)) };
}

/** The language of a track's dub (its espeak-ng voice, default `en-us`). */
export function trackLanguage(track: Track | undefined): string {
  return track?.language ?? DEFAULT_DUB_LANGUAGE;
}

/**
 * The cues of a segment's own script as the pipeline takes them (seconds on the dub file's
 * timeline): a plain text spans the segment's frames (shifted by the track's offset); SRT cues
 * keep their times.
 */
export function segmentScriptCues(seg: Segment, track: Track | undefined, fps: number): ScriptCueDoc[] | null {
  if (!seg.script) return null;
  if (seg.script.format === 'srt') return seg.script.cues;
  const offset = track?.offset ?? 0;
  const start = Math.max(0, seg.startFrame / fps - offset);
  const end = Math.max(start + 1 / fps, seg.endFrame / fps - offset);
  return [{ text: seg.script.cues.map((c) => c.text).join(' '), start: round6(start), end: round6(end) }];
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Where a segment's script comes from: its own, its track's, or none. */
export type ScriptOrigin = 'segment' | 'track' | 'none';

/**
 * The script a segment renders with (its own, else its track's; null when neither has one), the
 * dub language, and where the script came from. Cue times are on the dub file's timeline.
 */
export function renderScript(project: Project, seg: Segment): { script: ScriptCueDoc[] | null; language: string; origin: ScriptOrigin } {
  const track = project.tracks.find((t) => t.id === seg.trackId);
  const fps = project.video?.fps ?? 25;
  const own = segmentScriptCues(seg, track, fps);
  if (own) return { script: own, language: trackLanguage(track), origin: 'segment' };
  if (track?.script) return { script: track.script.cues, language: trackLanguage(track), origin: 'track' };
  return { script: null, language: trackLanguage(track), origin: 'none' };
}

/**
 * Keeps the SRT cues that overlap a segment's time on the dub file's timeline (clip seconds
 * minus the track's offset). Plain text is kept whole.
 * @throws EditError when no cue of an SRT falls inside the segment.
 */
export function cuesForSegment(script: DubScript, seg: Segment, track: Track | undefined, fps: number): DubScript {
  if (script.format !== 'srt') return script;
  const offset = track?.offset ?? 0;
  const a = seg.startFrame / fps - offset;
  const b = seg.endFrame / fps - offset;
  const cues = script.cues.filter((c) => c.start !== undefined && c.end! > a && c.start < b);
  if (cues.length === 0) {
    throw new EditError(`No cue of ${script.name} falls inside this segment (${a.toFixed(2)}–${b.toFixed(2)} s of the dub track; SRT times are read on the track's own timeline). Import it for the whole track, or use a plain text file for this segment.`);
  }
  return { ...script, cues };
}

/** A short description of a script for the UI: “dialog.srt · 12 cues” or “line.txt · 34 words”. */
export function describeScript(script: DubScript): string {
  if (script.format === 'srt') return `${script.name} · ${script.cues.length} cue${script.cues.length === 1 ? '' : 's'}`;
  const words = script.cues.reduce((n, c) => n + c.text.split(/\s+/).filter(Boolean).length, 0);
  return `${script.name} · ${words} word${words === 1 ? '' : 's'}`;
}
