/** Job tracking: applying job snapshots to the store, reattaching jobs after a reload, cancelling. */
import type { JobSnapshot } from '../../../../shared/api/contract';
import { segmentSpecKey } from '../../../../shared/project/render-key';
import * as ops from '../../../../shared/project/segments';
import { basename } from '../../lib/paths';
import { getProject, showError, toast, useEditor } from '../store';
import { api, applyResult } from './core';

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

export function isFinal(state: JobSnapshot['state']): boolean {
  return STATE_RANK[state] === 2;
}

/**
 * Applies a job snapshot (from an event or a reply). Snapshots can arrive out of order (the reply
 * to jobs.render may come after the job's own events): an older state never replaces a newer
 * one, and a finished job is handled once.
 */
export function onJobUpdate(job: JobSnapshot): void {
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
