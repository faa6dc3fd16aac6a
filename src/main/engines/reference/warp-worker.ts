/**
 * Warp worker thread of the reference engine (`warp-pool.ts`): warps reference mouths onto
 * target faces (`warpMouth`), the per-frame work that dominates the engine. Reference crops
 * arrive backed by SharedArrayBuffers (no copy); their feathered alphas are kept per worker.
 */
import { parentPort } from 'node:worker_threads';
import { LruMemo } from '../../util/memo';
import { warpMouth, type RefFrame, type WarpedMouth } from './mouth-warp';
import type { WarpTask, WarpReply } from './warp-pool';

const refs = new LruMemo<RefFrame>(96 * 1024 * 1024);

/** The worker's copy of a reference frame (keeps its alpha between tasks). */
function local(ref: RefFrame): RefFrame {
  const hit = refs.get(ref.key);
  if (hit) return hit;
  refs.set(ref.key, ref, ref.crop.width * ref.crop.height + 1024);
  return ref;
}

function buffers(w: WarpedMouth | null): ArrayBuffer[] {
  return w ? [w.patch.data.buffer as ArrayBuffer, w.patch.alpha.buffer as ArrayBuffer] : [];
}

parentPort!.on('message', (task: WarpTask) => {
  try {
    const main = warpMouth(task.frame, task.targetMesh, local(task.ref), task.layout, task.colourMatch);
    const next = main && task.next ? warpMouth(task.frame, task.targetMesh, local(task.next), task.layout, task.colourMatch) : null;
    const reply: WarpReply = { id: task.id, main, next };
    parentPort!.postMessage(reply, [...buffers(main), ...buffers(next)]);
  } catch (err) {
    const reply: WarpReply = { id: task.id, main: null, next: null, error: (err as Error).stack ?? String(err) };
    parentPort!.postMessage(reply);
  }
});
