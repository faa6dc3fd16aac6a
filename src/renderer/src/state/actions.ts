import type { Api, HandSuggestion, JobSnapshot } from '../../../shared/api/contract';
import { addShape, nextShapeId, setShapeKeyframe } from '../../../shared/masks/keyframes';
import { ApiError } from '../../../shared/api/errors';
import { farmSettingsSchema, redactFarmUrl, type FarmSettings } from '../../../shared/api/settings';
import { fillParams } from '../../../shared/engines';
import { commit, createHistory, redo as historyRedo, replacePresent, undo as historyUndo, type CommitOptions } from '../../../shared/project/history';
import { segmentSpecKey } from '../../../shared/project/render-key';
import { undubbedSegments } from '../../../shared/project/names';
import { emptyProject, type Project, type Segment } from '../../../shared/project/schema';
import * as ops from '../../../shared/project/segments';
import { cuesForSegment, setSegmentScript, setTrackScript } from '../../../shared/project/scripts';
import { hash64, stableStringify } from '../../../shared/hash';
import { newId } from '../lib/ids';
import { basename } from '../lib/paths';
import { playback } from './playback';
import { getProject, showError, toast, useEditor, type FileKind } from './store';

/**
 * Everything the UI does, as functions over the store. Edits go through `edit` (one undo step,
 * autosaved); service calls go through the `Api` and show failures as toasts (message + hint)
 * without touching the project.
 */

function api(): Api {
  const a = useEditor.getState().api;
  if (!a) throw new Error('API not ready');
  return a;
}

let autosaveTimer: ReturnType<typeof setTimeout> | null = null;

/** Sends the project to the services' autosave (they debounce and write atomically). */
function scheduleAutosave(): void {
  if (autosaveTimer) clearTimeout(autosaveTimer);
  autosaveTimer = setTimeout(() => {
    const s = useEditor.getState();
    if (!s.api || !s.history.present.video) return;
    void s.api.call('project.autosave', { path: s.projectPath, project: s.history.present }).catch(() => {});
  }, 250);
}

/** Writes the autosave now (before closing, and in tests). */
export async function flushAutosave(): Promise<void> {
  if (autosaveTimer) clearTimeout(autosaveTimer);
  const s = useEditor.getState();
  if (!s.api || !s.history.present.video) return;
  await s.api.call('project.autosave', { path: s.projectPath, project: s.history.present, flush: true });
}

/**
 * Applies an edit as one undo step. `EditError`s (and any other error) become a toast and leave
 * the project unchanged.
 * @returns true when the project changed.
 */
export function edit(fn: (p: Project) => Project, opts: CommitOptions = {}): boolean {
  const s = useEditor.getState();
  let next: Project;
  try {
    next = fn(s.history.present);
  } catch (err) {
    showError(err);
    return false;
  }
  if (next === s.history.present) return false;
  useEditor.setState({ history: commit(s.history, next, opts) });
  afterChange();
  return true;
}

function afterChange(): void {
  const s = useEditor.getState();
  const p = s.history.present;
  if (s.selectedSegmentId && !p.segments.some((x) => x.id === s.selectedSegmentId)) useEditor.setState({ selectedSegmentId: null });
  scheduleAutosave();
}

export function undo(): void {
  const s = useEditor.getState();
  const h = historyUndo(s.history);
  if (h === s.history) return;
  useEditor.setState({ history: { ...h, present: ops.carryRenders(h.present, s.history.present) } });
  afterChange();
}

export function redo(): void {
  const s = useEditor.getState();
  const h = historyRedo(s.history);
  if (h === s.history) return;
  useEditor.setState({ history: { ...h, present: ops.carryRenders(h.present, s.history.present) } });
  afterChange();
}

/** Records a render result without an undo step (renders are results, not edits). */
function applyResult(fn: (p: Project) => Project): void {
  const s = useEditor.getState();
  try {
    const next = fn(s.history.present);
    if (next !== s.history.present) useEditor.setState({ history: replacePresent(s.history, next) });
    scheduleAutosave();
  } catch {
    // The segment was deleted while rendering: the take stays in the cache only.
  }
}

function defaultEngineParams(engineId?: string): { engine: string; params: Record<string, number> } {
  const s = useEditor.getState();
  const id = engineId ?? s.defaultEngine;
  const desc = s.engines.find((e) => e.id === id) ?? s.engines[0];
  return { engine: desc?.id ?? id, params: desc ? fillParams(desc, {}) : {} };
}

// ---------------------------------------------------------------- start-up

export async function init(a: Api): Promise<void> {
  useEditor.setState({ api: a });
  a.on('job.update', onJobUpdate);
  a.on('render.preview', (p) => {
    // Only while the job is still in flight (a late event must not resurrect a finished preview).
    if (!useEditor.getState().pendingRenders[p.jobId]) return;
    useEditor.setState((s) => ({ renderPreviews: { ...s.renderPreviews, [p.jobId]: p } }));
  });
  a.on('host.restarted', (e) => toast('error', e.reason, 'Jobs that were running were marked as failed; start them again.', 'E_HOST_CRASHED'));
  a.on('autosave.written', (e) => useEditor.setState({ autosavedAt: e.savedAt }));
  (a.on as (event: string, fn: (ok: unknown) => void) => () => void)('connection', (ok) => useEditor.setState({ connected: ok === true }));
  playback.subscribe((frame, playing) => useEditor.setState({ frame, playing }));
  try {
    const [info, engines] = await Promise.all([a.call('app.info', {}), a.call('engines.list', {})]);
    useEditor.setState({ info, engines: engines.engines, defaultEngine: engines.defaultEngine });
    await loadSettings();
    const rec = await a.call('project.recover', {});
    if (rec.project) {
      await loadProject(rec.project, null, null);
      useEditor.setState({ recoveredAt: rec.autosavedAt, savedProject: null });
      toast('info', `Restored the unsaved project autosaved at ${new Date(rec.autosavedAt ?? '').toLocaleTimeString()}.`);
    }
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ ready: true });
  }
}

// ---------------------------------------------------------------- settings

/** Reads this machine's editor settings (the render farm) into the store; on failure renders stay local. */
export async function loadSettings(): Promise<void> {
  try {
    useEditor.setState({ settings: await api().call('settings.get', {}) });
  } catch (err) {
    showError(err);
  }
}

/**
 * Stores the render farm setting (null: render on this machine), validated here with the shared
 * schema (the services validate it again). Shows the problem and returns false when invalid.
 */
export async function saveFarmSettings(farm: FarmSettings | null): Promise<boolean> {
  if (farm) {
    const r = farmSettingsSchema.safeParse(farm);
    if (!r.success) {
      toast('error', `The farm setting is not valid: ${r.error.issues.map((i) => i.message).join('; ')}.`, 'Example: redis://:PASSWORD@10.0.0.5:6379 with the roots media=/mnt/show/media and cache=/mnt/show/dub-cache.', 'E_BAD_SETTINGS');
      return false;
    }
    farm = r.data;
  }
  try {
    const prev = useEditor.getState().settings;
    const settings = await api().call('settings.set', { version: 1, ...(prev ?? {}), farm });
    useEditor.setState({ settings });
    toast('info', farm ? `Render all now uses the farm ${redactFarmUrl(farm.redisUrl)}.` : 'Renders run on this machine.');
    return true;
  } catch (err) {
    showError(err);
    return false;
  }
}

// ---------------------------------------------------------------- files

/** Asks for a file: the native dialog in Electron, the in-app browser in the bridge. */
export async function pickFile(mode: 'open' | 'save', fileKind: FileKind | 'export', title: string, defaultName?: string): Promise<string | null> {
  const a = api();
  if (a.mode === 'electron') {
    const r =
      mode === 'open'
        ? await a.call('dialog.open', { kind: fileKind === 'export' ? 'any' : fileKind, title })
        : await a.call('dialog.save', { kind: fileKind === 'export' ? 'export' : 'project', defaultName });
    if (r.supported) return r.path;
  }
  return new Promise((resolve) => {
    useEditor.setState({
      fileDialog: {
        mode,
        fileKind,
        title,
        defaultName,
        resolve: (p) => {
          useEditor.setState({ fileDialog: null });
          resolve(p);
        },
      },
    });
  });
}

async function loadMediaData(project: Project): Promise<void> {
  const a = api();
  const jobs: Promise<unknown>[] = [];
  if (project.video) {
    const v = project.video;
    jobs.push(
      a.call('media.open', { path: v.path, kind: 'video' }).then((info) => setMedia(v.path, { info })).catch(() => {}),
      loadPeaks(v.path),
      a
        .call('media.thumbnails', { path: v.path, count: Math.min(40, Math.max(4, Math.round(v.duration * 4))), height: 48 })
        .then((thumbs) => useEditor.setState({ thumbs }))
        .catch(() => useEditor.setState({ thumbs: null })),
    );
  }
  for (const t of project.tracks) jobs.push(loadPeaks(t.path));
  await Promise.all(jobs);
}

function setMedia(path: string, patch: Partial<import('./store').MediaEntry>): void {
  useEditor.setState((s) => ({ media: { ...s.media, [path]: { ...s.media[path], ...patch } } }));
}

async function loadPeaks(path: string): Promise<void> {
  try {
    // Fine peaks (up to 1000 per second: a frame at 25 fps gets 40), fewer for long media so a
    // long clip stays a few MB of peaks.
    const duration = useEditor.getState().media[path]?.info?.duration ?? getProject().video?.duration ?? 60;
    const peaksPerSecond = Math.max(100, Math.min(1000, Math.round(2_000_000 / Math.max(1, duration))));
    const peaks = await api().call('media.peaks', { path, peaksPerSecond });
    setMedia(path, { peaks, peaksError: undefined });
  } catch (err) {
    setMedia(path, { peaksError: err instanceof ApiError ? err.toInfo() : { code: 'E_INTERNAL', message: String(err), hint: '' } });
  }
}

async function activate(project: Project, path: string | null): Promise<void> {
  const { missing } = await api().call('project.activate', { path, project });
  if (missing.length) useEditor.setState({ dialog: { kind: 'relink', missing } });
}

/** Replaces the open project (new history) and loads its media. */
async function loadProject(project: Project, path: string | null, saved: Project | null): Promise<void> {
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
  useEditor.setState({ busy: `Opening ${basename(path)}…` });
  try {
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
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ busy: null });
  }
}

/** Adds a dubbed dialogue track (any audio ffmpeg reads). */
export async function addDubTrack(path: string): Promise<void> {
  useEditor.setState({ busy: `Opening ${basename(path)}…` });
  try {
    const info = await api().call('media.open', { path, kind: 'audio' });
    const id = newId('dub');
    edit((p) => ops.addTrack(p, { id, name: basename(path), path: info.path, offset: 0, muted: false }));
    setMedia(info.path, { info });
    await activate(getProject(), useEditor.getState().projectPath);
    await loadPeaks(info.path);
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ busy: null });
  }
}

export async function openProject(path: string): Promise<void> {
  useEditor.setState({ busy: `Opening ${basename(path)}…` });
  try {
    await flushAutosave().catch(() => {});
    const r = await api().call('project.open', { path });
    await loadProject(r.project, r.path, r.restoredAutosave ? null : r.project);
    if (r.restoredAutosave) {
      useEditor.setState({ recoveredAt: r.autosavedAt });
      toast('info', `Restored unsaved changes autosaved at ${new Date(r.autosavedAt ?? '').toLocaleTimeString()}.`);
    }
    if (r.fromVersion < 2) toast('info', `Upgraded the project from format ${r.fromVersion}; saving writes the new format.`);
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ busy: null });
  }
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

// ---------------------------------------------------------------- segments

export function selectSegment(id: string | null, seek = false): void {
  useEditor.setState({ selectedSegmentId: id, selectedShapeId: null, compareTakeId: null });
  const seg = id ? getProject().segments.find((s) => s.id === id) : undefined;
  if (seg && seek) playback.seekFrame(seg.startFrame);
  updateLoop();
}

export function selectedSegment(): Segment | undefined {
  const s = useEditor.getState();
  return s.history.present.segments.find((x) => x.id === s.selectedSegmentId);
}

export function createSegment(a: number, b: number): void {
  const id = newId('seg');
  if (edit((p) => ops.createSegment(p, a, b, { id, ...defaultEngineParams() }))) selectSegment(id);
}

export function createSegmentFromInOut(): void {
  const { inPoint, outPoint } = useEditor.getState();
  if (inPoint === null || outPoint === null) {
    toast('error', 'Mark an in point (I) and an out point (O) first.');
    return;
  }
  createSegment(inPoint, outPoint + 1);
  useEditor.setState({ inPoint: null, outPoint: null });
}

export function protectFromInOut(): void {
  const { inPoint, outPoint } = useEditor.getState();
  if (inPoint === null || outPoint === null) {
    toast('error', 'Mark an in point (I) and an out point (O) first.');
    return;
  }
  if (edit((p) => ops.addProtectedRange(p, inPoint, outPoint + 1, newId('keep'), () => newId('seg')))) useEditor.setState({ inPoint: null, outPoint: null });
}

export function splitAtPlayhead(): void {
  const frame = playback.frame();
  const seg = ops.segmentAt(getProject(), frame);
  if (!seg) return toast('error', 'Put the playhead inside a segment to split it.');
  const id = newId('seg');
  if (edit((p) => ops.splitSegment(p, seg.id, frame, id))) selectSegment(id);
}

export function mergeSelectedWithNext(): void {
  const seg = selectedSegment();
  if (!seg) return toast('error', 'Select a segment first.');
  edit((p) => ops.mergeWithNext(p, seg.id));
}

export function deleteSelected(): void {
  const s = useEditor.getState();
  if (!s.selectedSegmentId) return;
  edit((p) => ops.deleteSegment(p, s.selectedSegmentId!));
}

export function updateLoop(): void {
  const s = useEditor.getState();
  const seg = selectedSegment();
  const fps = s.history.present.video?.fps ?? 25;
  playback.loop = s.loop && seg ? { start: seg.startFrame / fps, end: seg.endFrame / fps } : null;
}

/** Creates segments from speech detected in a dub track. */
export async function segmentsFromSpeech(trackId: string): Promise<void> {
  const track = getProject().tracks.find((t) => t.id === trackId);
  if (!track) return;
  useEditor.setState({ busy: 'Detecting speech…' });
  try {
    const { ranges } = await api().call('audio.speech', { path: track.path, offset: track.offset });
    let created: string[] = [];
    edit((p) => {
      // The chosen lip-habit references are original footage the dub must not replace: they are
      // left out like no-lip-sync ranges (treated as obstacles while the segments are made).
      const refs = p.segments.flatMap((s) => (s.reference ? [{ id: `ref:${s.id}`, label: 'reference', startFrame: s.reference.startFrame, endFrame: s.reference.endFrame }] : []));
      const r = ops.segmentsFromSpeech({ ...p, protectedRanges: [...p.protectedRanges, ...refs] }, ranges, { trackId, makeId: () => newId('seg'), ...defaultEngineParams() });
      created = r.created;
      return r.created.length ? { ...r.project, protectedRanges: p.protectedRanges } : p;
    });
    toast('info', created.length ? `Created ${created.length} segment(s) from speech in ${track.name}.` : `No new speech found in ${track.name}.`);
    if (created[0]) selectSegment(created[0]);
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ busy: null });
  }
}

// ---------------------------------------------------------------- jobs

/** Segments whose render request is on its way to the services (before the job id is known). */
const requesting = new Set<string>();

/**
 * Queues a render of the segment. A second request while one is on its way or running (a
 * double click, R pressed twice) is ignored: one job, one take.
 * @returns the job id, or null when nothing was queued.
 */
export async function renderSegment(segmentId: string): Promise<string | null> {
  const project = getProject();
  const seg = project.segments.find((s) => s.id === segmentId);
  if (!seg) return null;
  if (requesting.has(segmentId) || Object.values(useEditor.getState().pendingRenders).some((r) => r.segmentId === segmentId)) return null;
  requesting.add(segmentId);
  try {
    const { job } = await api().call('jobs.render', { project, projectPath: useEditor.getState().projectPath, segmentId });
    // The job's events may have arrived before this reply (a fast or cached render).
    const seen = useEditor.getState().jobs[job.jobId];
    if (!isFinal(job.state) && !(seen && isFinal(seen.state))) {
      useEditor.setState((s) => ({ pendingRenders: { ...s.pendingRenders, [job.jobId]: { segmentId, specKey: segmentSpecKey(project, seg) } } }));
    }
    onJobUpdate(job);
    return job.jobId;
  } catch (err) {
    showError(err);
    applyResult((p) => ops.setFailure(p, segmentId, { specKey: segmentSpecKey(project, seg), code: (err as ApiError).code ?? 'E_INTERNAL', message: (err as Error).message, hint: (err as ApiError).hint ?? '' }));
    return null;
  } finally {
    requesting.delete(segmentId);
  }
}

/**
 * Renders several segments as one queued batch (one progress bar, one cancel): the jobs run one
 * after the other in the services' queue.
 */
export async function renderBatch(segmentIds: string[], label: string): Promise<void> {
  const jobIds: string[] = [];
  useEditor.setState({ batch: { label, jobIds, total: segmentIds.length } });
  for (const id of segmentIds) {
    const jobId = await renderSegment(id);
    if (jobId) jobIds.push(jobId);
    useEditor.setState((s) => (s.batch ? { batch: { ...s.batch, jobIds: [...jobIds] } } : {}));
  }
  if (jobIds.length === 0) useEditor.setState({ batch: null });
}

/** Cancels every job of the batch still queued or running. */
export async function cancelBatch(): Promise<void> {
  const b = useEditor.getState().batch;
  if (!b) return;
  const jobs = useEditor.getState().jobs;
  for (const id of b.jobIds) if (jobs[id] && !isFinal(jobs[id].state)) await cancelJob(id);
  useEditor.setState({ batch: null });
}

/** Every segment that is not ready (stale, failed), as one batch. */
export function renderAllStale(): Promise<void> {
  const p = getProject();
  const ids = undubbedSegments(p).map((c) => c.segmentId);
  if (!ids.length) {
    toast('info', 'Every segment is ready.');
    return Promise.resolve();
  }
  const farm = useEditor.getState().settings?.farm ?? null;
  const what = `${ids.length} segment${ids.length === 1 ? '' : 's'}`;
  if (farm) toast('info', `Rendering ${what} on the farm ${redactFarmUrl(farm.redisUrl)}.`);
  return renderBatch(ids, farm ? `Render ${what} on the farm` : `Render ${what}`);
}

/**
 * Jobs belong to the project, not the page: after a reload, a crash of the window or opening the
 * project in another tab, render jobs still queued or running for its segments are shown again
 * (status "rendering", progress, cancel), and renders that finished meanwhile are attached as
 * takes when the segment's settings still match.
 */
export async function reattachJobs(): Promise<void> {
  let list: JobSnapshot[];
  try {
    list = (await api().call('jobs.list', {})).jobs;
  } catch {
    return;
  }
  const p = getProject();
  for (const job of list) {
    if (job.kind !== 'render' || !job.segmentId) continue;
    const seg = p.segments.find((s) => s.id === job.segmentId);
    if (!seg) continue;
    if (!isFinal(job.state)) {
      useEditor.setState((s) => ({ jobs: { ...s.jobs, [job.jobId]: job }, pendingRenders: { ...s.pendingRenders, [job.jobId]: { segmentId: seg.id, specKey: segmentSpecKey(p, seg) } } }));
    } else if (job.state === 'done' && job.result?.kind === 'render') {
      const take = job.result.take;
      if (take.specKey === segmentSpecKey(p, seg) && !seg.takes.some((t) => t.cacheKey === take.cacheKey)) applyResult((q) => ops.addTake(q, seg.id, take));
      useEditor.setState((s) => ({ jobs: { ...s.jobs, [job.jobId]: job } }));
    }
  }
}

export async function cancelJob(jobId: string): Promise<void> {
  try {
    await api().call('jobs.cancel', { jobId });
  } catch (err) {
    showError(err);
  }
}

const STATE_RANK: Record<JobSnapshot['state'], number> = { queued: 0, running: 1, done: 2, failed: 2, cancelled: 2 };

function isFinal(state: JobSnapshot['state']): boolean {
  return STATE_RANK[state] === 2;
}

/**
 * Applies a job snapshot (from an event or a reply). Snapshots can arrive out of order (the reply
 * to jobs.render may come after the job's own events): an older state never replaces a newer
 * one, and a finished job is handled once.
 */
function onJobUpdate(job: JobSnapshot): void {
  const prev = useEditor.getState().jobs[job.jobId];
  if (prev && (isFinal(prev.state) || STATE_RANK[prev.state] > STATE_RANK[job.state])) return;
  useEditor.setState((s) => ({ jobs: { ...s.jobs, [job.jobId]: job } }));
  const pending = useEditor.getState().pendingRenders[job.jobId];
  const final = job.state === 'done' || job.state === 'failed' || job.state === 'cancelled';
  if (final && pending) {
    useEditor.setState((s) => {
      const rest = { ...s.pendingRenders };
      delete rest[job.jobId];
      return { pendingRenders: rest };
    });
  }
  if (final && useEditor.getState().renderPreviews[job.jobId]) {
    useEditor.setState((s) => {
      const rest = { ...s.renderPreviews };
      delete rest[job.jobId];
      return { renderPreviews: rest };
    });
  }
  const batch = useEditor.getState().batch;
  if (final && batch && batch.jobIds.includes(job.jobId) && batch.jobIds.length === batch.total) {
    const jobs = useEditor.getState().jobs;
    if (batch.jobIds.every((id) => jobs[id] && isFinal(jobs[id].state))) useEditor.setState({ batch: null });
  }
  if (job.state === 'done' && job.result?.kind === 'render') {
    const r = job.result;
    applyResult((p) => ops.addTake(p, r.segmentId, r.take));
    for (const w of r.take.warnings) toast('info', w);
  } else if (job.state === 'failed' && job.error) {
    const segId = pending?.segmentId ?? (job.kind === 'render' ? job.segmentId : null);
    if (segId) {
      applyResult((p) => {
        const seg = p.segments.find((x) => x.id === segId);
        return seg ? ops.setFailure(p, segId, { specKey: pending?.specKey ?? segmentSpecKey(p, seg), ...job.error! }) : p;
      });
    }
    toast('error', job.error.message, job.error.hint, job.error.code);
  } else if (job.state === 'done' && job.result?.kind === 'export') {
    useEditor.setState({ lastExport: job.result });
    toast('info', `Exported ${basename(job.result.path)}.`);
  } else if (job.state === 'done' && job.result?.kind === 'analyze') {
    useEditor.setState({ analysis: job.result });
    for (const w of job.result.warnings) toast('info', w);
  }
}

export async function exportVideo(out: string, codec: Project['export']['codec'], audio: string[]): Promise<void> {
  edit((p) => (p.export.codec === codec && p.export.audio.join() === audio.join() ? p : { ...p, export: { codec, audio } }));
  try {
    const { job } = await api().call('jobs.export', { project: getProject(), out, codec, audio });
    useEditor.setState({ lastExport: null });
    onJobUpdate(job);
  } catch (err) {
    showError(err);
  }
}

export async function analyzeFaces(): Promise<void> {
  try {
    const { job } = await api().call('jobs.analyze', { project: getProject(), range: null });
    onJobUpdate(job);
  } catch (err) {
    showError(err);
  }
}

export async function suggestReferences(segmentId: string): Promise<void> {
  useEditor.setState({ busy: 'Finding reference candidates…' });
  try {
    const r = await api().call('reference.suggest', { project: getProject(), segmentId, max: 4 });
    useEditor.setState({ refCandidates: { ...r, segmentId } });
    for (const w of r.warnings) toast('info', w);
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ busy: null });
  }
}

/** Looks for hands over the lower face on the segment's frames (occluder suggestions). */
export async function suggestHands(segmentId: string): Promise<void> {
  useEditor.setState({ findingHands: segmentId });
  try {
    const r = await api().call('occlusion.suggestHands', { project: getProject(), segmentId });
    useEditor.setState({ handSuggestions: { ...r, segmentId } });
    for (const w of r.warnings) toast('info', w);
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ findingHands: null });
  }
}

/** Adds a hand suggestion to the segment's occlusion mask as a new keyframed shape (one undo step). */
export function acceptHandSuggestion(segmentId: string, suggestion: HandSuggestion): string | null {
  const seg = getProject().segments.find((s) => s.id === segmentId);
  if (!seg) return null;
  const id = nextShapeId(seg.occlusion, 'hand');
  const [first, ...rest] = suggestion.keyframes;
  let mask = addShape(seg.occlusion, id, first.frame, first.polygon);
  for (const k of rest) mask = setShapeKeyframe(mask, id, k.frame, [k.polygon]);
  edit((p) => ops.updateSegment(p, segmentId, { occlusion: mask }));
  return id;
}

/**
 * Loads an engine's parameter schema for a model pack. With `apply` the segment switches to the
 * pack and gets the pack's default for every parameter it did not set (one undo step).
 */
export async function loadEnginePack(segmentId: string, engine: string, pack: string, apply: boolean): Promise<void> {
  useEditor.setState({ busy: `Loading model pack ${basename(pack)}…` });
  try {
    const desc = await api().call('engines.describe', { engine, pack });
    useEditor.setState((s) => ({ engineDescs: { ...s.engineDescs, [`${engine}|${pack}`]: desc } }));
    if (apply) {
      edit((p) => {
        const seg = p.segments.find((x) => x.id === segmentId);
        return seg ? ops.updateSegment(p, segmentId, { engine, pack, params: fillParams(desc, seg.params) }) : p;
      });
    }
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ busy: null });
  }
}

/** Test hook: kills the inference host (bridge started with --test-hooks). */
export async function crashHost(): Promise<void> {
  try {
    await api().call('debug.crashHost', {});
  } catch (err) {
    showError(err);
  }
}

// ---------------------------------------------------------------- scripts and phonetics

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
  const set = (e: Partial<import('./store').PhoneticsEntry>) =>
    useEditor.setState((s) => {
      const base: import('./store').PhoneticsEntry = s.phonetics[trackId] ?? { key, loading: false, result: null, error: null };
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
