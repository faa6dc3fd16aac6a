/** Render actions: one segment, a batch (one progress, one cancel), and every segment not ready. */
import { ApiError } from '../../../../shared/api/errors';
import { redactFarmUrl } from '../../../../shared/api/settings';
import { segmentSpecKey } from '../../../../shared/project/render-key';
import { undubbedSegments } from '../../../../shared/project/names';
import * as ops from '../../../../shared/project/segments';
import { getProject, showError, toast, useEditor } from '../store';
import { api, applyResult } from './core';
import { cancelJob, isFinal, onJobUpdate } from './jobs';

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
