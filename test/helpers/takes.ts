import { segmentSpecKey } from '../../src/shared/project/render-key';
import type { Project, Take } from '../../src/shared/project/schema';

/**
 * A take of segment `segId` rendered from the segment's current settings (so it is current, not
 * stale), as the render job would record it; cache key `k-<takeId>`.
 */
export function fakeTake(p: Project, segId: string, takeId = 't1'): Take {
  const s = p.segments.find((x) => x.id === segId);
  if (!s) throw new Error(`no segment ${segId}`);
  return {
    id: takeId,
    specKey: segmentSpecKey(p, s),
    cacheKey: `k-${takeId}`,
    createdAt: new Date(0).toISOString(),
    engine: s.engine,
    params: { ...s.params },
    reference: { startFrame: 0, endFrame: 10 },
    referenceReason: 'test',
    frames: s.endFrame - s.startFrame,
    renderSec: 1,
    warnings: [],
    settings: { face: s.face, reference: s.reference, occlusion: s.occlusion },
  };
}
