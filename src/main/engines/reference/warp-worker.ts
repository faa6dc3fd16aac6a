/**
 * Warp worker thread of the reference engine (`warp-pool.ts`): synthesizes output frames
 * (`synthesizeMouth`: the target's lower face moved to the new geometry, the reference's inner
 * mouth), the per-frame work that dominates the engine. Reference crops arrive backed by
 * SharedArrayBuffers (no copy).
 */
import { parentPort } from 'node:worker_threads';
import { synthesizeMouth, type SynthesizedMouth } from './mouth-warp';
import type { WarpTask, WarpReply } from './warp-pool';

function buffers(m: SynthesizedMouth | null): ArrayBuffer[] {
  if (!m) return [];
  const out = [m.own.data.buffer as ArrayBuffer, m.own.alpha.buffer as ArrayBuffer];
  if (m.grain) out.push(m.grain.grain.buffer as ArrayBuffer);
  if (m.inner) out.push(m.inner.data.buffer as ArrayBuffer, m.inner.alpha.buffer as ArrayBuffer);
  return out;
}

parentPort!.on('message', (task: WarpTask) => {
  try {
    const result = synthesizeMouth(task);
    const reply: WarpReply = { id: task.id, result };
    parentPort!.postMessage(reply, buffers(result));
  } catch (err) {
    const reply: WarpReply = { id: task.id, result: null, error: (err as Error).stack ?? String(err) };
    parentPort!.postMessage(reply);
  }
});
