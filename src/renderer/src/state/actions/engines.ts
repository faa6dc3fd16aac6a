/** Engine model packs: loading a pack's parameter schema and applying it to a segment. */
import { fillParams } from '../../../../shared/engines';
import * as ops from '../../../../shared/project/segments';
import { basename } from '../../lib/paths';
import { useEditor } from '../store';
import { api, edit, whileBusy } from './core';

/**
 * Loads an engine's parameter schema for a model pack. With `apply` the segment switches to the
 * pack and gets the pack's default for every parameter it did not set (one undo step).
 */
export async function loadEnginePack(segmentId: string, engine: string, pack: string, apply: boolean): Promise<void> {
  await whileBusy(`Loading model pack ${basename(pack)}…`, async () => {
    const desc = await api().call('engines.describe', { engine, pack });
    useEditor.setState((s) => ({ engineDescs: { ...s.engineDescs, [`${engine}|${pack}`]: desc } }));
    if (apply) {
      edit((p) => {
        const seg = p.segments.find((x) => x.id === segmentId);
        return seg ? ops.updateSegment(p, segmentId, { engine, pack, params: fillParams(desc, seg.params) }) : p;
      });
    }
  });
}
