import path from 'node:path';
import type { SegmentSpec } from '../pipeline/api';
import { promises as fsp } from 'node:fs';
import { prepareJob, type JobContext } from '../pipeline/job';
import { renderSegment } from '../pipeline/segment-render';
import { assessFace } from '../pipeline/face-limits';
import { contentHash } from '../util/memo';
import { UserError, throwIfAborted } from '../util/errors';
import { CACHE_ROOT, resolveRootPath, type Roots } from './roots';
import type { RenderJobPayload, RenderJobResult } from './payload';

/** Prepared clips of recent segment jobs (a worker usually gets several segments of one clip). */
const prepared = new Map<string, Promise<JobContext>>();
const PREPARED_MAX = 2;

/**
 * `prepareJob` for a job; for `segment` jobs memoized per process by everything it depends on
 * (files by path, size and modification time; offset, face, occlusions, script, languages), so
 * the next segment of the same clip skips it. Memoized preparations run without the job's abort
 * signal (they serve later jobs too; a segment job's preparation reads caches and is short);
 * `shot` jobs (which may track) prepare with the signal and are not memoized.
 */
async function preparedJob(p: RenderJobPayload, video: string, audio: string, segments: SegmentSpec[], cacheDir: string, signal: AbortSignal | undefined, log: (m: string) => void): Promise<JobContext> {
  const args = { video, audio, audioOffset: p.audioOffset, face: p.face, segments, script: p.script, language: p.language, originalLanguage: p.originalLanguage, cacheDir };
  if (p.kind === 'shot') return prepareJob({ ...args, signal, log });
  const [sv, sa] = await Promise.all([fsp.stat(video), fsp.stat(audio)]);
  const key = JSON.stringify({
    video, vs: sv.size, vm: sv.mtimeMs, audio, as: sa.size, am: sa.mtimeMs, off: p.audioOffset, face: p.face ?? null,
    occ: segments.map((s) => s.occlusion ?? null), script: p.script ?? null, lang: p.language ?? null, orig: p.originalLanguage ?? null, cacheDir,
  });
  let job = prepared.get(key);
  if (!job) {
    job = prepareJob({ ...args, log: () => {} });
    prepared.set(key, job);
    job.catch(() => prepared.delete(key));
    while (prepared.size > PREPARED_MAX) prepared.delete(prepared.keys().next().value!);
  }
  throwIfAborted(signal);
  return job;
}

export interface ProcessJobOptions {
  /** This machine's roots; `cache` is the shared render cache (the only place written). */
  roots: Roots;
  worker: string;
  signal?: AbortSignal;
  log?: (m: string) => void;
  /** Frames rendered / to render in this job. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs one render job with the local pipeline: maps the payload's root paths (no escapes), checks
 * that the files are the ones the submitter hashed, `prepareJob` (tracking from the shared cache,
 * or computed into it) and `renderSegment` for each segment to render, into
 * `<cache root>/renders/<key>.mkv` (temp file + rename, so a duplicate or retried job yields the
 * same file and never a half-written one). Segments whose face the pipeline cannot serve are
 * skipped as a local export skips them.
 * @throws UserError for bad input (E_FARM_ROOT, E_FARM_PATH, E_NOT_FOUND, E_FARM_MEDIA_MISMATCH,
 *   and the pipeline's own codes); CancelledError when `signal` aborts; other errors are transient.
 */
export async function processRenderJob(p: RenderJobPayload, o: ProcessJobOptions): Promise<RenderJobResult> {
  const log = o.log ?? (() => {});
  const cacheDir = o.roots.get(CACHE_ROOT);
  if (!cacheDir) throw new UserError('E_FARM_ROOT', 'This worker has no "cache" root.', 'Start the worker with --root cache=PATH (the shared render cache).');
  const t0 = performance.now();
  const video = await resolveRootPath(o.roots, p.video, 'clip');
  const audio = await resolveRootPath(o.roots, p.audio, 'dub');
  const segments: SegmentSpec[] = [];
  for (const s of p.segments) {
    segments.push({ ...s, pack: s.pack ? await resolveRootPath(o.roots, s.pack, `model pack of ${s.id}`) : undefined });
  }
  if ((await contentHash(video, o.signal)) !== p.expect.video || (await contentHash(audio, o.signal)) !== p.expect.audio) {
    throw new UserError(
      'E_FARM_MEDIA_MISMATCH',
      `The clip or dub this worker sees at ${p.video.root}:${p.video.path} / ${p.audio.root}:${p.audio.path} is not the file the submitter sent (content differs).`,
      'Map each --root on the worker to the same shared folder as on the submitting machine.',
    );
  }
  const job = await preparedJob(p, video, audio, segments, cacheDir, o.signal, log);
  for (const s of segments) {
    if (s.endFrame > job.info.frameCount) throw new UserError('E_BAD_RANGE', `Segment ${s.id} (frames ${s.startFrame}-${s.endFrame}) is outside the clip (${job.info.frameCount} frames).`, 'Give ranges inside the clip.');
  }
  const prepareSec = (performance.now() - t0) / 1000;
  const want = p.render.map((id) => segments.find((s) => s.id === id)!);
  const total = want.reduce((n, s) => n + s.endFrame - s.startFrame, 0);
  let base = 0;
  let frames = 0;
  const renders: RenderJobResult['renders'] = [];
  const t1 = performance.now();
  for (const spec of want) {
    throwIfAborted(o.signal);
    const limit = assessFace(job.track, { start: spec.startFrame, end: spec.endFrame });
    if (limit.code) {
      renders.push({ id: spec.id, skipped: limit.reason ?? limit.code });
    } else {
      const r = await renderSegment(job, spec, {
        signal: o.signal, providers: p.providers, log, allSegments: segments, memoFrames: false,
        onProgress: (d) => o.onProgress?.(base + d, total),
      });
      if (!r) renders.push({ id: spec.id, skipped: 'no face' });
      else {
        renders.push({ id: spec.id, key: r.key, file: path.relative(cacheDir, r.file).split(path.sep).join('/'), cached: r.cached });
        if (!r.cached) frames += spec.endFrame - spec.startFrame;
      }
    }
    base += spec.endFrame - spec.startFrame;
    o.onProgress?.(base, total);
  }
  return { worker: o.worker, renders, prepareSec, renderSec: (performance.now() - t1) / 1000, frames };
}
