import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ResponseOf } from '../../shared/api/contract';
import { dubScriptSchema, type DubScript, type Project } from '../../shared/project/schema';
import { renderScript, segmentScriptCues, trackLanguage } from '../../shared/project/scripts';
import { loadScript } from '../phonetics/script';
import type { PhoneTiming } from '../phonetics/types';
import { UserError } from '../util/errors';
import type { HostCaller } from './host/supervisor';
import { composeTrackView, SOURCE_LABELS, type SegmentTiming } from './phonetics-view';

/** Largest script file read (bytes): a feature film's dialogue is well under this. */
export const MAX_SCRIPT_BYTES = 4 * 1024 * 1024;

/**
 * `script.import`: reads a dub script (SRT or plain text, `phonetics/script.ts`) for the project.
 * @param file absolute path, already checked against the editor's folders.
 * @throws UserError E_NOT_FOUND (missing / a folder), E_SCRIPT (too large, not text, empty,
 *   malformed SRT).
 */
export async function importScript(file: string, now = new Date()): Promise<DubScript> {
  const st = await fsp.stat(file).catch(() => null);
  if (!st || !st.isFile()) throw new UserError('E_NOT_FOUND', `The script ${file} does not exist.`, 'Choose a .txt or .srt file.');
  if (st.size > MAX_SCRIPT_BYTES) throw new UserError('E_SCRIPT', `${path.basename(file)} is ${(st.size / 1e6).toFixed(1)} MB: too large for a script.`, 'Choose the dialogue as plain text or SRT (a few hundred KB at most).');
  const head = await fsp.readFile(file);
  if (head.includes(0)) throw new UserError('E_SCRIPT', `${path.basename(file)} is not a text file.`, 'Choose the dialogue as plain UTF-8 text (.txt) or subtitles (.srt).');
  let cues;
  try {
    cues = await loadScript(file);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    // The file's name is enough in a message (the full path is long and says nothing more).
    const message = err.message.split(file).join(path.basename(file));
    if (err.code === 'E_NOT_FOUND') throw new UserError('E_NOT_FOUND', message, 'Check that the file exists and is readable.');
    if (/empty/.test(err.message)) throw new UserError(err.code, message, 'Put the dub’s dialogue in the file.');
    throw new UserError(err.code, message, err.hint);
  }
  const srt = cues.some((c) => c.start !== undefined);
  const parsed = dubScriptSchema.safeParse({ name: path.basename(file), format: srt ? 'srt' : 'text', cues: cues.map((c) => ({ text: c.text, ...(c.start !== undefined ? { start: c.start, end: c.end } : {}) })), importedAt: now.toISOString() });
  if (!parsed.success) throw new UserError('E_SCRIPT', `${path.basename(file)} cannot be used as a script: ${parsed.error.issues[0]?.message ?? 'invalid'}.`, 'Check the file’s timing lines.');
  return parsed.data;
}

/**
 * `phonetics.get`: the phone timing of a dub track (or one of its segments) from the jobs host,
 * composed into the labial lane and the per-segment source lines (`phonetics-view.ts`).
 * @throws UserError E_NO_VIDEO, E_NOT_FOUND (track, segment or media missing).
 */
export async function getPhonetics(jobsHost: HostCaller, project: Project, trackId: string, segmentId?: string): Promise<ResponseOf<'phonetics.get'>> {
  const video = project.video;
  if (!video) throw new UserError('E_NO_VIDEO', 'The project has no video.', 'Open a video first.');
  const track = project.tracks.find((t) => t.id === trackId);
  if (!track) throw new UserError('E_NOT_FOUND', 'That dub track is not in the project.', 'Add the dub track again.');
  for (const [p, role] of [[video.path, 'video'], [track.path, 'dub track']] as const) {
    const ok = await fsp.stat(p).then((s) => s.isFile(), () => false);
    if (!ok) throw new UserError('E_NOT_FOUND', `The ${role} ${p} is missing.`, 'Relink it (File > Relink media) or put it back, then try again.');
  }
  const fps = video.fps;
  const language = trackLanguage(track);
  let segs = project.segments.filter((s) => s.trackId === trackId).sort((a, b) => a.startFrame - b.startFrame);
  if (segmentId) {
    const one = project.segments.find((s) => s.id === segmentId);
    if (!one) throw new UserError('E_NOT_FOUND', 'That segment no longer exists.', 'Select a segment on the timeline.');
    segs = [one];
  }
  const run = (script: PhoneticsScript | null): Promise<PhoneTiming> => jobsHost.call('phonetics', { video: video.path, audio: track.path, offset: track.offset, script, language });
  const own: SegmentTiming[] = [];
  for (const s of segs) {
    const cues = segmentScriptCues(s, track, fps);
    if (cues) own.push({ segmentId: s.id, start: s.startFrame / fps, end: s.endFrame / fps, timing: await run(cues) });
  }
  // The track's own timing is needed unless a single asked-for segment has its own script.
  const needTrack = !segmentId || own.length === 0;
  const trackTiming: PhoneTiming = needTrack ? await run(track.script?.cues ?? null) : own[0].timing;
  const view = composeTrackView(trackTiming, !!track.script, segs.map((s) => ({ id: s.id, start: s.startFrame / fps, end: s.endFrame / fps })), own);
  let spans = view.spans;
  if (segmentId) {
    const s = segs[0];
    spans = spans.filter((x) => x.end > s.startFrame / fps && x.start < s.endFrame / fps);
  }
  const only = segmentId ? view.segments[0] : null;
  const source = only ? only.source : view.source;
  return {
    trackId,
    language,
    source,
    label: SOURCE_LABELS[source],
    note: only ? only.note : view.note,
    spans,
    segments: view.segments.map((x) => ({ ...x, label: SOURCE_LABELS[x.source] })),
  };
}

type PhoneticsScript = NonNullable<ReturnType<typeof renderScript>['script']>;
