/** Project lifecycle: new, open, save, relink, and opening the clip and dub tracks. */
import { createHistory } from '../../../../shared/project/history';
import { emptyProject, type Project } from '../../../../shared/project/schema';
import * as ops from '../../../../shared/project/segments';
import { newId } from '../../lib/ids';
import { basename } from '../../lib/paths';
import { playback } from '../playback';
import { getProject, showError, toast, useEditor } from '../store';
import { api, edit, flushAutosave, whileBusy } from './core';
import { pickFile } from './files';
import { reattachJobs } from './jobs';
import { loadMediaData, loadPeaks, setMedia } from './media';

async function activate(project: Project, path: string | null): Promise<void> {
  const { missing } = await api().call('project.activate', { path, project });
  if (missing.length) useEditor.setState({ dialog: { kind: 'relink', missing } });
}

/** Replaces the open project (new history) and loads its media. */
export async function loadProject(project: Project, path: string | null, saved: Project | null): Promise<void> {
  playback.pause();
  useEditor.setState({
    history: createHistory(project),
    projectPath: path,
    savedProject: saved,
    recoveredAt: null,
    selectedSegmentId: project.segments[0]?.id ?? null,
    media: {},
    thumbs: null,
    analysis: null,
    refCandidates: null,
    inPoint: null,
    outPoint: null,
    frame: 0,
    compareTakeId: null,
    lastExport: null,
    phonetics: {},
  });
  if (project.video) playback.setClip(project.video.fps, project.video.frameCount);
  await activate(project, path);
  await reattachJobs();
  await loadMediaData(project);
}

/** New, but an edited project is not thrown away without asking (Save / Discard / Cancel). */
export function requestNewProject(): void {
  const s = useEditor.getState();
  if (s.history.present.video && s.history.present !== s.savedProject) {
    useEditor.setState({ dialog: { kind: 'confirm-new' } });
    return;
  }
  void newProject();
}

export async function newProject(): Promise<void> {
  const p = emptyProject();
  await loadProject(p, null, p);
  await api().call('project.discardAutosave', { path: null }).catch(() => {});
}

/** Opens a video as the project's clip (keeps segments that still fit). */
export async function openVideo(path: string): Promise<void> {
  await whileBusy(`Opening ${basename(path)}…`, async () => {
    const info = await api().call('media.open', { path, kind: 'video' });
    const video = { path: info.path, width: info.width, height: info.height, fps: info.fps, frameCount: info.frameCount, duration: info.duration, hasAudio: info.hasAudio };
    const fresh = !getProject().video;
    edit((p) => {
      const withVideo = ops.setVideo(p, video);
      return fresh ? { ...withVideo, name: basename(path).replace(/\.[^.]+$/, '') } : withVideo;
    });
    setMedia(info.path, { info });
    for (const w of info.warnings) toast('info', w);
    playback.setClip(info.fps, info.frameCount);
    await activate(getProject(), useEditor.getState().projectPath);
    await loadMediaData(getProject());
  });
}

/** Adds a dubbed dialogue track (any audio ffmpeg reads). */
export async function addDubTrack(path: string): Promise<void> {
  await whileBusy(`Opening ${basename(path)}…`, async () => {
    const info = await api().call('media.open', { path, kind: 'audio' });
    const id = newId('dub');
    edit((p) => ops.addTrack(p, { id, name: basename(path), path: info.path, offset: 0, muted: false }));
    setMedia(info.path, { info });
    await activate(getProject(), useEditor.getState().projectPath);
    await loadPeaks(info.path);
  });
}

export async function openProject(path: string): Promise<void> {
  await whileBusy(`Opening ${basename(path)}…`, async () => {
    await flushAutosave().catch(() => {});
    const r = await api().call('project.open', { path });
    await loadProject(r.project, r.path, r.restoredAutosave ? null : r.project);
    if (r.restoredAutosave) {
      useEditor.setState({ recoveredAt: r.autosavedAt });
      toast('info', `Restored unsaved changes autosaved at ${new Date(r.autosavedAt ?? '').toLocaleTimeString()}.`);
    }
    if (r.fromVersion < 2) toast('info', `Upgraded the project from format ${r.fromVersion}; saving writes the new format.`);
  });
}

/** Saves (asks for a path the first time or with `saveAs`). */
export async function saveProject(saveAs = false): Promise<boolean> {
  const s = useEditor.getState();
  let path = s.projectPath;
  if (!path || saveAs) {
    path = await pickFile('save', 'project', 'Save project', `${s.history.present.name || 'project'}.dubproj`);
    if (!path) return false;
  }
  try {
    const project = useEditor.getState().history.present;
    const wasUntitled = s.projectPath === null;
    const r = await api().call('project.save', { path, project });
    useEditor.setState({ projectPath: r.path, savedProject: project, recoveredAt: null });
    // The untitled autosave is now a saved project: do not offer to recover it at the next start.
    if (wasUntitled) await api().call('project.discardAutosave', { path: null }).catch(() => {});
    toast('info', `Saved ${basename(r.path)}.`);
    return true;
  } catch (err) {
    showError(err);
    return false;
  }
}

/** Points every use of `from` at `to` (one undo step) and re-reads its media. */
export async function relink(from: string, to: string): Promise<void> {
  try {
    const kind = getProject().video?.path === from ? 'video' : 'audio';
    const info = await api().call('media.open', { path: to, kind });
    edit((p) => ops.relinkMedia(p, from, info.path));
    await activate(getProject(), useEditor.getState().projectPath);
    await loadMediaData(getProject());
  } catch (err) {
    showError(err);
  }
}
