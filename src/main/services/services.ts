import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Channel, EventName, EventPayload, JobResult, ParsedRequestOf, ResponseOf } from '../../shared/api/contract';
import { readyTake, segmentSpecKey } from '../../shared/project/render-key';
import { exportContributions, segmentName } from '../../shared/project/names';
import { mediaPathsOf } from '../../shared/project/segments';
import type { Project, Take } from '../../shared/project/schema';
import { tempPathNextTo } from '../util/atomic';
import { UserError } from '../util/errors';
import { findMissingMedia, ProjectStore, PROJECT_EXT } from '../project/store';
import { EXPORT_EXTENSIONS } from './export-plan';
import { findByName, listDirectory } from './file-browser';
import type { HostCaller } from './host/supervisor';
import type { ExportSegment, PreviewFrame } from './host/protocol';
import { FARM_STAGE_WEIGHTS, JobQueue } from './jobs';
import { SettingsStore } from './settings-store';
import { FARM_CACHE_ROOT, redactFarmUrl, type FarmSettings } from '../../shared/api/settings';
import { toRootPath } from '../farm/roots';
import type { HostFarm } from './host/protocol';
import { submitQualityCheck } from './quality-job';
import { isInside, MediaAccessPolicy } from './media-access';
import { fingerprint, readCachedTake, readTakeRender, renderCacheKey, takePath, toSegmentSpec, writeCachedTake } from './render-cache';
import { getPhonetics, importScript } from './script-service';
import { renderScript } from '../../shared/project/scripts';

/** Native file dialogs (Electron); null in the bridge, where the renderer shows its own browser. */
export interface DialogProvider {
  open(kind: 'video' | 'audio' | 'project' | 'any', title?: string): Promise<string | null>;
  save(kind: 'project' | 'export', defaultName?: string): Promise<string | null>;
}

export interface ServicesOptions {
  mode: 'electron' | 'bridge';
  version: string;
  /** Render cache, proxies, peaks, thumbnails. */
  cacheDir: string;
  /** App state (the untitled project's autosave). */
  stateDir: string;
  /** Folders the bridge may browse, read and write; in Electron, native dialogs pick any file. */
  browseRoots: string[];
  pipelineKind: 'real' | 'fake';
  /** Host for long jobs (render, export, analysis) and for quick calls (peaks, probe, thumbnails). */
  jobsHost: HostCaller;
  interactiveHost: HostCaller;
  dialogs: DialogProvider | null;
  testHooks: boolean;
  /** Kills the jobs host (test hook). */
  crashJobsHost?: () => void;
  autosaveDebounceMs?: number;
}

export type Handlers = { [C in Channel]: (req: ParsedRequestOf<C>) => Promise<ResponseOf<C>> };
export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface Services {
  handlers: Handlers;
  access: MediaAccessPolicy;
  store: ProjectStore;
  queue: JobQueue;
  /** Subscribes to events for every client (returns unsubscribe). */
  subscribe(fn: EventListener): () => void;
  emit: EventListener;
  dispose(): Promise<void>;
}

function shortId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * The editor's services, independent of the transport: Electron IPC (src/main/app/ipc.ts) and
 * the loopback bridge (src/main/bridge/server.ts) both validate requests against the contract and
 * then call these handlers.
 */
export function createServices(opts: ServicesOptions): Services {
  const listeners = new Set<EventListener>();
  const emit: EventListener = (event, payload) => {
    for (const l of listeners) l(event, payload);
  };
  const access = new MediaAccessPolicy(opts.cacheDir);
  const store = new ProjectStore(opts.stateDir, opts.autosaveDebounceMs);
  store.setAutosaveListener((info) => emit('autosave.written', info));
  const queue = new JobQueue((snap) => emit('job.update', snap));
  const settings = new SettingsStore(opts.stateDir);

  /**
   * The farm a render goes to (null: this machine), checked for this render: the clip and the dub
   * track must lie inside one of the roots (a worker finds them only there).
   * @throws UserError E_FARM_PATH.
   */
  function farmFor(farm: FarmSettings | null, files: Array<{ file: string; what: string }>): HostFarm | null {
    if (!farm) return null;
    const roots = new Map(farm.roots.map((r) => [r.name, path.resolve(r.path)]));
    for (const f of files) toRootPath(roots, f.file, f.what);
    return { redisUrl: farm.redisUrl, roots: farm.roots.map((r) => ({ name: r.name, path: path.resolve(r.path) })) };
  }
  let enginesCache: ResponseOf<'engines.list'> | null = null;

  /** In the bridge every path must lie inside the browse roots (reads and writes alike). */
  function checkPath(p: string, what: string): string {
    const abs = path.resolve(p);
    if (opts.mode === 'bridge' && !opts.browseRoots.some((r) => isInside(abs, path.resolve(r)))) {
      throw new UserError('E_ACCESS', `${what} ${abs} is outside the folders this editor may use.`, `Use a path under ${opts.browseRoots.join(' or ')} (start the bridge with --root to add folders).`);
    }
    return abs;
  }

  function requireVideo(project: Project) {
    if (!project.video) throw new UserError('E_NO_VIDEO', 'The project has no video.', 'Open a video first.');
    return project.video;
  }

  async function requireFile(p: string, role: string): Promise<void> {
    const ok = await fsp.stat(p).then((s) => s.isFile()).catch(() => false);
    if (!ok) throw new UserError('E_NOT_FOUND', `The ${role} ${p} is missing.`, 'Relink it (File > Relink media) or put it back, then try again.');
  }

  const handlers: Handlers = {
    async 'app.info'() {
      return {
        mode: opts.mode,
        version: opts.version,
        platform: process.platform,
        cacheDir: opts.cacheDir,
        browseRoots: opts.browseRoots,
        pipeline: opts.pipelineKind,
        testHooks: opts.testHooks,
      };
    },

    async 'fs.list'(req) {
      return listDirectory(req.dir, opts.browseRoots, req.kind);
    },

    async 'fs.findByName'(req) {
      const dir = checkPath(req.dir, 'The folder');
      return { found: await findByName(dir, req.names, opts.mode === 'bridge' ? opts.browseRoots : null) };
    },

    async 'dialog.open'(req) {
      if (!opts.dialogs) return { supported: false, path: null };
      return { supported: true, path: await opts.dialogs.open(req.kind, req.title) };
    },

    async 'dialog.save'(req) {
      if (!opts.dialogs) return { supported: false, path: null };
      return { supported: true, path: await opts.dialogs.save(req.kind, req.defaultName) };
    },

    async 'media.open'(req) {
      const p = checkPath(req.path, 'The file');
      const info = await opts.interactiveHost.call('probe', { path: p, kind: req.kind });
      access.grantFile(info.path);
      return info;
    },

    async 'media.peaks'(req) {
      const p = checkPath(req.path, 'The file');
      return opts.interactiveHost.call('peaks', { path: p, peaksPerSecond: req.peaksPerSecond });
    },

    async 'media.thumbnails'(req) {
      const p = checkPath(req.path, 'The file');
      return opts.interactiveHost.call('thumbnails', { path: p, count: req.count, height: req.height });
    },

    async 'media.frameImage'(req) {
      const p = checkPath(req.path, 'The file');
      return opts.interactiveHost.call('frameImage', { path: p, frame: req.frame, height: req.height });
    },

    async 'media.dubMix'(req) {
      const video = checkPath(req.video, 'The video');
      const tracks = req.tracks.map((t) => ({ ...t, path: checkPath(t.path, 'The dub track') }));
      const r = await opts.interactiveHost.call('dubMix', { video, tracks });
      access.grantFile(r.path);
      return r;
    },

    async 'audio.speech'(req) {
      const p = checkPath(req.path, 'The file');
      return opts.interactiveHost.call('speech', { path: p, offset: req.offset });
    },

    async 'engines.list'() {
      if (!enginesCache) enginesCache = await opts.interactiveHost.call('engines', {});
      return enginesCache;
    },

    async 'engines.describe'(req) {
      return opts.interactiveHost.call('describeEngine', { engine: req.engine, pack: req.pack });
    },

    async 'reference.suggest'(req) {
      const video = requireVideo(req.project);
      const seg = req.project.segments.find((s) => s.id === req.segmentId);
      if (!seg) throw new UserError('E_NOT_FOUND', 'That segment no longer exists.', '');
      const res = await opts.interactiveHost.call('suggestReference', {
        video: video.path,
        face: seg.face,
        segment: { startFrame: seg.startFrame, endFrame: seg.endFrame },
        dubbed: req.project.segments.map((s) => ({ startFrame: s.startFrame, endFrame: s.endFrame })),
        max: req.max,
      });
      return res;
    },

    async 'occlusion.suggestHands'(req) {
      const video = requireVideo(req.project);
      const seg = req.project.segments.find((s) => s.id === req.segmentId);
      if (!seg) throw new UserError('E_NOT_FOUND', 'That segment no longer exists.', 'Select a segment on the timeline.');
      await requireFile(video.path, 'video');
      return opts.interactiveHost.call('suggestHands', { video: video.path, face: seg.face, segment: { startFrame: seg.startFrame, endFrame: seg.endFrame } });
    },

    async 'script.import'(req) {
      return { script: await importScript(checkPath(req.path, 'The script')) };
    },

    async 'phonetics.get'(req) {
      return getPhonetics(opts.jobsHost, req.project, req.trackId, req.segmentId);
    },

    async 'project.activate'(req) {
      const projectPath = req.path ? checkPath(req.path, 'The project') : null;
      access.setProject(projectPath, mediaPathsOf(req.project));
      return { missing: await findMissingMedia(req.project) };
    },

    async 'project.open'(req) {
      const p = checkPath(req.path, 'The project');
      const opened = await store.open(p);
      access.setProject(opened.path, mediaPathsOf(opened.project));
      return opened;
    },

    async 'project.save'(req) {
      let p = checkPath(req.path, 'The project');
      if (!path.extname(p)) p += PROJECT_EXT;
      const saved = await store.save(p, req.project);
      access.setProject(saved.path, mediaPathsOf(req.project));
      return saved;
    },

    async 'project.autosave'(req) {
      const p = req.path ? checkPath(req.path, 'The project') : null;
      const written = await store.autosave(p, req.project, req.flush);
      return { scheduled: !req.flush, written };
    },

    async 'project.recover'() {
      const r = await store.recoverUntitled();
      return { project: r?.project ?? null, autosavedAt: r?.autosavedAt ?? null };
    },

    async 'project.discardAutosave'(req) {
      return { removed: await store.discardAutosave(req.path) };
    },

    async 'jobs.render'(req) {
      const { project } = req;
      const video = requireVideo(project);
      const seg = project.segments.find((s) => s.id === req.segmentId);
      if (!seg) throw new UserError('E_NOT_FOUND', 'That segment no longer exists.', 'Select a segment on the timeline.');
      const track = project.tracks.find((t) => t.id === seg.trackId);
      if (!track) throw new UserError('E_NO_AUDIO', 'The segment has no dub track.', 'Open a dubbed audio track first.');
      await requireFile(video.path, 'video');
      await requireFile(track.path, 'dub track');
      const specKey = segmentSpecKey(project, seg);
      const cacheKey = renderCacheKey(project, seg, [await fingerprint(video.path), await fingerprint(track.path)], opts.pipelineKind);
      const out = takePath(opts.cacheDir, cacheKey);
      const label = `Render ${segmentName(project, seg)} (frames ${seg.startFrame}-${seg.endFrame})`;
      // The dub's script (the segment's own, else its track's) and language drive the phonetic timing.
      const phonetic = renderScript(project, seg);
      const farmSettings = (await settings.get()).farm;
      const farm = farmFor(farmSettings, [
        { file: video.path, what: 'clip' },
        { file: track.path, what: 'dub track' },
      ]);
      const hit = await readCachedTake(opts.cacheDir, cacheKey);
      if (hit) {
        const take: Take = { ...hit, specKey, renderSec: 0 };
        return { job: queue.completed({ kind: 'render', label, segmentId: seg.id }, { kind: 'render', segmentId: seg.id, take, path: out, cached: true }) };
      }
      // The same render already queued or running (a double click, a second window, a reload):
      // that job is the answer; a second one would render again and replace the first take.
      // Checked right before submit (no await in between), so concurrent requests cannot race.
      const same = queue.findActive(`render:${cacheKey}`);
      if (same) return { job: same };
      let jobId = '';
      const job = queue.submit({
        kind: 'render',
        label: farm ? `${label} on the farm ${redactFarmUrl(farm.redisUrl)}` : label,
        segmentId: seg.id,
        dedupeKey: `render:${cacheKey}`,
        ...(farm ? { lane: 'farm' as const, weights: FARM_STAGE_WEIGHTS } : {}),
        run: async ({ signal, progress: report }): Promise<JobResult> => {
          // On the farm, the pipeline's render stage is the wait for the farm's workers.
          const progress: typeof report = farm ? (p) => report(p.stage === 'render' ? { ...p, stage: 'farm' } : p) : report;
          const t0 = performance.now();
          const onPreview = (p: PreviewFrame) => emit('render.preview', { jobId, segmentId: seg.id, frame: p.frame, rect: p.rect, image: p.image });
          const result = await opts.jobsHost.call(
            'render',
            {
              dub: {
                video: video.path,
                audio: track.path,
                audioOffset: track.offset,
                out,
                face: seg.face ?? undefined,
                segments: [toSegmentSpec(seg)],
                outputRange: { startFrame: seg.startFrame, endFrame: seg.endFrame },
                // A farm renders into its shared cache (its "cache" root), read back here.
                cacheDir: farm ? farm.roots.find((r) => r.name === FARM_CACHE_ROOT)!.path : path.join(opts.cacheDir, 'pipeline'),
                ...(phonetic.script ? { script: phonetic.script } : {}),
                ...(track.language ? { language: track.language } : {}),
              },
              out,
              ...(farm ? { farm } : { preview: true }),
            },
            { signal, onProgress: progress, onPreview },
          );
          const used = result.segments.find((s) => s.id === seg.id) ?? result.segments[0];
          const warnings = [...result.warnings];
          const expected = seg.endFrame - seg.startFrame;
          if (result.frames !== expected) warnings.push(`The take has ${result.frames} frames; the segment has ${expected}.`);
          const take: Take = {
            id: shortId('take'),
            specKey,
            cacheKey,
            createdAt: new Date().toISOString(),
            engine: seg.engine,
            params: { ...seg.params },
            reference: used?.reference ?? { startFrame: seg.startFrame, endFrame: seg.endFrame },
            referenceReason: used?.referenceReason ?? '',
            frames: result.frames,
            renderSec: (performance.now() - t0) / 1000,
            warnings,
            settings: { face: seg.face, reference: seg.reference, occlusion: structuredClone(seg.occlusion), pack: seg.pack },
          };
          await writeCachedTake(opts.cacheDir, cacheKey, take, result.renders?.find((r) => r.id === seg.id) ?? null);
          return { kind: 'render', segmentId: seg.id, take, path: out, cached: false };
        },
      });
      jobId = job.jobId;
      return { job };
    },

    async 'jobs.export'(req) {
      const { project } = req;
      const video = requireVideo(project);
      await requireFile(video.path, 'video');
      const out = checkPath(req.out, 'The export file');
      const ext = path.extname(out).toLowerCase();
      if (!EXPORT_EXTENSIONS[req.codec].includes(ext)) {
        throw new UserError('E_BAD_OUTPUT', `A ${req.codec === 'prores' ? 'ProRes' : req.codec.toUpperCase()} export cannot be written as "${ext || 'no extension'}".`, `Use ${EXPORT_EXTENSIONS[req.codec].join(' or ')}.`);
      }
      if (mediaPathsOf(project).some((m) => path.resolve(m) === out)) {
        throw new UserError('E_OUT_IS_INPUT', 'The export would overwrite a source file.', 'Choose a new file name.');
      }
      const segments: ExportSegment[] = [];
      const undubbed: Array<{ segmentId: string; name: string; reason: 'stale' | 'none' | 'missing' }> = [];
      for (const c of exportContributions(project)) {
        const seg = project.segments.find((s) => s.id === c.segmentId)!;
        const take = readyTake(project, seg);
        if (!take) {
          undubbed.push({ segmentId: seg.id, name: c.name, reason: c.contribution === 'stale' ? 'stale' : 'none' });
          continue;
        }
        const file = takePath(opts.cacheDir, take.cacheKey);
        if (!(await fsp.access(file).then(() => true).catch(() => false))) {
          undubbed.push({ segmentId: seg.id, name: c.name, reason: 'missing' });
          continue;
        }
        segments.push({ startFrame: seg.startFrame, endFrame: seg.endFrame, take: file, render: await readTakeRender(opts.cacheDir, take.cacheKey) });
      }
      const audio: Array<{ kind: 'original' } | { kind: 'dub'; path: string; offset: number }> = [];
      for (const a of req.audio) {
        if (a === 'original') {
          if (video.hasAudio) audio.push({ kind: 'original' });
          continue;
        }
        const t = project.tracks.find((x) => x.id === a);
        if (!t) throw new UserError('E_NOT_FOUND', `Audio track ${a} is not in the project.`, 'Choose the export audio again.');
        await requireFile(t.path, 'dub track');
        audio.push({ kind: 'dub', path: t.path, offset: t.offset });
      }
      const tmp = tempPathNextTo(out);
      const job = queue.submit({
        kind: 'export',
        label: `Export ${path.basename(out)}`,
        weights: { encode: 1 },
        run: async ({ signal, progress }): Promise<JobResult> => {
          await fsp.mkdir(path.dirname(out), { recursive: true });
          const { losslessSegments, ...probe } = await opts.jobsHost.call('export', { video: video.path, segments, audio, codec: req.codec, tmp, out }, { signal, onProgress: progress });
          return { kind: 'export', path: out, probe, readySegments: segments.length, losslessSegments, undubbed };
        },
      });
      return { job };
    },

    async 'jobs.analyze'(req) {
      const video = requireVideo(req.project);
      await requireFile(video.path, 'video');
      const job = queue.submit({
        kind: 'analyze',
        label: `Find faces in ${path.basename(video.path)}`,
        weights: { track: 1 },
        run: async ({ signal, progress }): Promise<JobResult> => {
          const r = await opts.jobsHost.call('analyze', { video: video.path, range: req.range }, { signal, onProgress: progress });
          return { kind: 'analyze', ...r };
        },
      });
      return { job };
    },

    async 'jobs.qualityCheck'(req) {
      return { job: await submitQualityCheck({ queue, jobsHost: opts.jobsHost, cacheDir: opts.cacheDir }, req.project, req.segmentId) };
    },

    async 'jobs.cancel'(req) {
      return { cancelled: queue.cancel(req.jobId) };
    },

    async 'jobs.list'() {
      return { jobs: queue.list() };
    },

    async 'settings.get'() {
      return settings.get();
    },

    async 'settings.set'(req) {
      if (req.farm) {
        // The bridge writes only inside its folders: the shared cache is written by this machine too.
        for (const r of req.farm.roots) {
          if (!path.isAbsolute(r.path)) throw new UserError('E_BAD_SETTINGS', `The farm root ${r.name} must be an absolute folder (got "${r.path}").`, 'Give the folder where this machine sees the shared storage, e.g. /mnt/show/media.');
          checkPath(r.path, `The farm root ${r.name}`);
        }
      }
      return settings.set(req);
    },

    async 'debug.crashHost'() {
      if (!opts.testHooks || !opts.crashJobsHost) throw new UserError('E_ACCESS', 'Test hooks are disabled.', 'Start the bridge with --test-hooks.');
      opts.crashJobsHost();
      return { crashed: true };
    },
  };

  return {
    handlers,
    access,
    store,
    queue,
    emit,
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async dispose() {
      queue.cancelAll();
      await store.flushAll();
    },
  };
}
