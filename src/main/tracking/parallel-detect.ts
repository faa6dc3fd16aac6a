import type { ColorMatrix } from '../media/args';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../util/ts-worker';
import type { VideoInfo } from '../media/types';
import type { FaceObservation } from './types';
import type { FaceMeshDetectorOptions } from './mesh-detector';
import type { OrtFaceMeshOptions } from './ort/ort-face-mesh';
import type { DetectChunkRequest } from './track-worker';
import { CancelledError, UserError } from '../util/errors';

/** Worker threads used for detection: one per core, at most 4, at least 1. */
export function defaultTrackingWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

/** Splits [0, frameCount) into `n` contiguous chunks of nearly equal length (no empty chunk). */
export function splitFrames(frameCount: number, n: number): Array<{ start: number; end: number }> {
  const k = Math.max(1, Math.min(n, frameCount));
  return Array.from({ length: k }, (_, i) => ({ start: Math.floor((i * frameCount) / k), end: Math.floor(((i + 1) * frameCount) / k) }));
}

/** Starts the detection worker (`track-worker`). */
function startWorker(workerData: DetectChunkRequest): Worker {
  return startModuleWorker(import.meta.url, 'track-worker', workerData);
}

/**
 * Face detection over a whole clip in parallel: the clip is split into `workers` contiguous
 * chunks, each decoded (ffmpeg, seeking to its start) and detected in its own worker thread with
 * its own detector (`engine`: 'ort', the default, or 'human'). Returns one entry per frame
 * (faces in that frame), in frame order, ready for `buildTracks`. Memory added per worker
 * (detector and frames, measured on talk-a): ~85 MB with 'ort', ~130 MB with 'human'.
 * @throws UserError from a worker (e.g. E_UNREADABLE), CancelledError on abort (workers are
 *   terminated and their ffmpeg children killed with them).
 */
export async function detectFacesParallel(
  info: VideoInfo,
  o: { workers?: number; engine?: 'ort' | 'human'; detector?: FaceMeshDetectorOptions; ortDetector?: OrtFaceMeshOptions; scale?: number; yuvMatrix?: ColorMatrix; signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<FaceObservation[][]> {
  const chunks = splitFrames(info.frameCount, o.workers ?? defaultTrackingWorkers());
  const done = new Array<number>(chunks.length).fill(0);
  const workers: Worker[] = [];
  const onAbort = () => workers.forEach((w) => void w.terminate());
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (o.signal?.aborted) throw new CancelledError();
    const results = await Promise.all(
      chunks.map(
        (c, i) =>
          new Promise<FaceObservation[][]>((resolve, reject) => {
            const req: DetectChunkRequest = { info, start: c.start, end: c.end, engine: o.engine ?? 'ort', detector: o.detector ?? {}, ortDetector: o.ortDetector ?? {}, scale: o.scale ?? 1, yuvMatrix: o.yuvMatrix };
            const w = startWorker(req);
            workers.push(w);
            let settled = false;
            w.on('message', (m: { type: string; done?: number; faces?: FaceObservation[][]; message?: string; code?: string; hint?: string }) => {
              if (m.type === 'progress') {
                done[i] = m.done!;
                o.onProgress?.(done.reduce((a, b) => a + b, 0), info.frameCount);
              } else if (m.type === 'result') {
                settled = true;
                done[i] = c.end - c.start;
                o.onProgress?.(done.reduce((a, b) => a + b, 0), info.frameCount);
                resolve(m.faces!);
                void w.terminate();
              } else if (m.type === 'error') {
                settled = true;
                reject(m.code ? new UserError(m.code, m.message!, m.hint) : new Error(`face tracking worker: ${m.message}`));
                void w.terminate();
              }
            });
            w.on('error', (e) => {
              settled = true;
              reject(e);
            });
            w.on('exit', (code) => {
              if (settled) return;
              reject(o.signal?.aborted ? new CancelledError() : new Error(`face tracking worker exited with code ${code}`));
            });
          }),
      ),
    );
    if (o.signal?.aborted) throw new CancelledError();
    // Structured clone turns Float32Array meshes back into Float32Array: rebuild plain objects.
    return results.flat();
  } catch (err) {
    onAbort();
    if (o.signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}
