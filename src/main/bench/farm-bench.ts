import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { Queue } from 'bullmq';
import type { SegmentSpec } from '../pipeline/api';
import { prepareJob } from '../pipeline/job';
import { renderSegment } from '../pipeline/segment-render';
import { builtinEngineDescriptions, resolveParams } from '../engines/registry';
import { startLocalRedis } from '../farm/local-redis';
import { spawnLocalWorker, type LocalWorker } from '../farm/local-worker';
import { FarmClient } from '../farm/client';
import { dubPayload } from '../farm/dub-hook';
import { FARM_PREFIX, parseRedisUrl, redisOptions } from '../farm/connection';
import { jobIdFor, type RenderJobPayload } from '../farm/payload';
import { queueNameFor } from '../farm/queues';
import { makeBenchClip, repoRoot, type BenchRow } from './pipeline-bench';

/** Per-frame render costs (seconds) the issue quotes for neural engines on one GPU. */
export const NEURAL_SEC_PER_FRAME = [0.1, 0.6];

export interface FarmBenchResult {
  clip: string;
  frames: number;
  segments: number;
  /** Local, in-process: the segments rendered one after the other (no farm). */
  localRenderSec: number;
  /** Reference-engine render cost on this machine (seconds per frame, local). */
  secPerFrame: number;
  runs: BenchRow[];
  /** Farm overhead per job (seconds, 1 warm worker): dispatch, worker-side prepare, result, detection. */
  overheadPerJobSec: number;
  /** That overhead as a share of the render time inside the workers (1 warm worker). */
  overheadShare: number;
  /** Overhead per job with a fresh worker (its first job prepares the clip: audio, speech, tracking). */
  freshOverheadPerJobSec: number;
  prediction: BenchRow[];
}

/**
 * Farm bench: a bench clip (720p, `seconds` long, from talk-a + dub-a) in segments of
 * `segmentSec`, rendered (1) locally in this process, (2) through the farm with 1 local worker
 * process and (3) with 2, each from an empty render cache (tracking shared). Reports throughput,
 * the per-job overhead (queue, payload, worker-side preparation, cache, polling) as a share of
 * render time, and what that predicts for N GPU workers on a feature film.
 * @returns null when the shared media are missing.
 * @throws UserError E_NO_REDIS when redis-server is not installed.
 */
export async function runFarmBench(o: { work: string; log: (m: string) => void; seconds?: number; segmentSec?: number }): Promise<FarmBenchResult | null> {
  const seconds = o.seconds ?? 16;
  const segSec = o.segmentSec ?? 4;
  const clip = await makeBenchClip(o.work, 1280, 720, seconds);
  if (!clip) return null;
  const cacheDir = path.join(o.work, 'farm-cache');
  const renders = path.join(cacheDir, 'renders');
  await fsp.rm(cacheDir, { recursive: true, force: true });
  const params = resolveParams(builtinEngineDescriptions().find((d) => d.id === 'reference')!.params, {}, 'reference');
  const fps = 25;
  const segments: SegmentSpec[] = [];
  for (let s = 0, i = 1; s < seconds * fps; s += segSec * fps, i++) segments.push({ id: `seg-${i}`, startFrame: s, endFrame: Math.min(seconds * fps, s + segSec * fps), engine: 'reference', params });
  const frames = segments.reduce((n, s) => n + s.endFrame - s.startFrame, 0);
  o.log(`farm bench: ${clip.name}, ${segments.length} segments of ${segSec} s, tracking`);
  const job = await prepareJob({ video: clip.video, audio: clip.audio, segments, cacheDir, log: () => {} });
  // Phone timing is computed once and cached on disk (the farm runs below find it there too).
  await job.phonetics?.();
  o.log('farm bench: local render (in process)');
  let t0 = performance.now();
  for (const s of segments) await renderSegment(job, s, { allSegments: segments, memoFrames: false });
  const localRenderSec = (performance.now() - t0) / 1000;

  const redis = await startLocalRedis();
  const roots = new Map([['cache', cacheDir], ['media', o.work]]);
  const payloads: RenderJobPayload[] = await Promise.all(
    segments.map((s) => dubPayload(roots, { video: clip.video, audio: clip.audio, segments }, [s.id], 'segment', s.id, { video: job.videoHash, audio: job.dubKey.slice(0, job.dubKey.lastIndexOf('@')) })),
  );
  const runs: BenchRow[] = [];
  let overheadPerJobSec = Number.NaN;
  let overheadShare = Number.NaN;
  let freshOverheadPerJobSec = Number.NaN;
  try {
    for (const n of [1, 2]) {
      o.log(`farm bench: ${n} worker process(es)`);
      const workers: LocalWorker[] = [];
      try {
        for (let k = 0; k < n; k++) workers.push(await spawnLocalWorker({ repoRoot: repoRoot(), name: `bench-w${k + 1}`, redisUrl: redis.url, roots: Object.fromEntries(roots) }));
        // Pass 1: fresh workers (each prepares the clip once: audio, speech, tracking from the
        // cache). Pass 2: the same workers again (steady state, as on a farm that runs for days).
        for (const pass of ['fresh', 'warm'] as const) {
          await fsp.rm(renders, { recursive: true, force: true });
          const client = await FarmClient.connect({ redisUrl: redis.url, pollMs: 100 });
          t0 = performance.now();
          let results;
          try {
            results = await client.run(payloads);
          } finally {
            await client.close();
          }
          const wall = (performance.now() - t0) / 1000;
          const q = new Queue(queueNameFor(payloads[0]), { connection: redisOptions(parseRedisUrl(redis.url), false), prefix: FARM_PREFIX });
          const jobs = await Promise.all(payloads.map((p) => q.getJob(jobIdFor(p))));
          await q.close();
          const renderSec = results.reduce((a, r) => a + r.renderSec, 0);
          const prepareSec = results.reduce((a, r) => a + r.prepareSec, 0);
          const inWorker = jobs.reduce((a, j) => a + ((j?.finishedOn ?? 0) - (j?.processedOn ?? 0)) / 1000, 0);
          const row: BenchRow = { workers: n, pass, wallSec: wall, fps: frames / wall, vsLocal: localRenderSec / wall, renderSecInWorkers: renderSec, prepareSecInWorkers: prepareSec, jobSecInWorkers: inWorker };
          if (n === 1) {
            // One worker runs the jobs one after another: all of the wall time that is not
            // rendering is the farm's (queue, payload, worker-side prepare and cache checks,
            // result, the submitter's polling).
            row.overheadPerJobSec = (wall - renderSec) / segments.length;
            row.overheadShare = (wall - renderSec) / renderSec;
            if (pass === 'warm') {
              overheadPerJobSec = row.overheadPerJobSec;
              overheadShare = row.overheadShare;
            } else freshOverheadPerJobSec = row.overheadPerJobSec;
          }
          runs.push(row);
        }
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
    }
  } finally {
    await redis.stop();
  }
  const secPerFrame = localRenderSec / frames;
  // A feature: 90 min of dialogue at 24 fps, ~1,500 shots (86 frames each on average), one
  // language, each shot one job on a worker that has not seen the clip (the fresh overhead:
  // it prepares the shot). T(N) = frames x cost / N + jobs x overhead / N.
  const filmFrames = 90 * 60 * 24;
  const shots = 1500;
  const prediction: BenchRow[] = [];
  for (const cost of [secPerFrame, ...NEURAL_SEC_PER_FRAME]) {
    for (const n of [1, 8, 32]) {
      const render = (filmFrames * cost) / n;
      const over = (shots * freshOverheadPerJobSec) / n;
      prediction.push({ secPerFrame: cost, gpuWorkers: n, hours: (render + over) / 3600, overheadShare: over / render });
    }
  }
  return { clip: clip.name, frames, segments: segments.length, localRenderSec, secPerFrame, runs, overheadPerJobSec, overheadShare, freshOverheadPerJobSec, prediction };
}
