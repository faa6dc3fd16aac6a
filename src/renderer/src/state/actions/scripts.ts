/** Dub scripts and phonetics: importing/removing scripts and loading a track's phone timing. */
import { hash64, stableStringify } from '../../../../shared/hash';
import type { Project } from '../../../../shared/project/schema';
import { cuesForSegment, setSegmentScript, setTrackScript } from '../../../../shared/project/scripts';
import { getProject, showError, toast, useEditor } from '../store';
import { api, edit } from './core';
import { pickFile } from './files';

/**
 * Imports a dub script (.txt or .srt) for a whole dub track or for one segment (one undo step),
 * then refreshes that track's labial lane. A segment keeps only the SRT cues inside it.
 */
export async function importScript(target: { trackId: string } | { segmentId: string }): Promise<void> {
  const path = await pickFile('open', 'any', 'segmentId' in target ? 'Import a script for this segment (.txt or .srt)' : 'Import a script for the dub track (.txt or .srt)');
  if (!path) return;
  try {
    const { script } = await api().call('script.import', { path });
    let trackId: string | undefined;
    const changed = edit((p) => {
      if ('trackId' in target) {
        trackId = target.trackId;
        return setTrackScript(p, target.trackId, script);
      }
      const seg = p.segments.find((s) => s.id === target.segmentId);
      if (!seg) return p;
      trackId = seg.trackId;
      const track = p.tracks.find((t) => t.id === seg.trackId);
      return setSegmentScript(p, seg.id, cuesForSegment(script, seg, track, p.video?.fps ?? 25));
    });
    if (!changed || !trackId) return;
    toast('info', `Imported the script ${script.name} (${script.format === 'srt' ? `${script.cues.length} cue(s)` : 'plain text'}).`);
    await loadPhonetics(trackId);
  } catch (err) {
    showError(err);
  }
}

/** Removes the script of a track or of a segment (one undo step). */
export function removeScript(target: { trackId: string } | { segmentId: string }): void {
  edit((p) => ('trackId' in target ? setTrackScript(p, target.trackId, null) : setSegmentScript(p, target.segmentId, null)));
}

/** What a track's phone timing depends on in the project (a changed key means ask again). */
export function phoneticsKey(p: Project, trackId: string): string {
  const t = p.tracks.find((x) => x.id === trackId);
  if (!t) return '';
  const segs = p.segments.filter((s) => s.trackId === trackId).map((s) => [s.id, s.startFrame, s.endFrame, s.script?.cues ?? null]);
  return hash64(stableStringify({ v: p.video?.path ?? null, path: t.path, offset: t.offset, lang: t.language ?? null, script: t.script?.cues ?? null, segs }));
}

/** True when a track's labial lane is computed by itself (a script is there: alignment is quick). */
export function phoneticsAutomatic(p: Project, trackId: string): boolean {
  const t = p.tracks.find((x) => x.id === trackId);
  return !!t && (!!t.script || p.segments.some((s) => s.trackId === trackId && !!s.script));
}

/**
 * Asks the services for a dub track's phone timing (labial spans, per-segment sources) unless
 * the one shown is current. Failures show in the lane (and as a toast when asked by hand).
 */
export async function loadPhonetics(trackId: string, opts: { byHand?: boolean } = {}): Promise<void> {
  const project = getProject();
  if (!project.video || !project.tracks.some((t) => t.id === trackId)) return;
  const key = phoneticsKey(project, trackId);
  const cur = useEditor.getState().phonetics[trackId];
  if (cur && cur.key === key && (cur.loading || cur.result)) return;
  const set = (e: Partial<import('../store').PhoneticsEntry>) =>
    useEditor.setState((s) => {
      const base: import('../store').PhoneticsEntry = s.phonetics[trackId] ?? { key, loading: false, result: null, error: null };
      return { phonetics: { ...s.phonetics, [trackId]: { ...base, ...e } } };
    });
  set({ key, loading: true, error: null });
  try {
    const result = await api().call('phonetics.get', { project, trackId });
    if (useEditor.getState().phonetics[trackId]?.key !== key) return;
    set({ loading: false, result, error: null });
  } catch (err) {
    if (useEditor.getState().phonetics[trackId]?.key !== key) return;
    set({ loading: false, result: null, error: (err as Error).message });
    if (opts.byHand) showError(err);
  }
}
