/** The inspector's Render panel: segment status, render/cancel, progress and the last failure. */
import { segmentSpecKey } from '../../../shared/project/render-key';
import type { Segment } from '../../../shared/project/schema';
import { cancelJob, renderSegment } from '../state/actions';
import { useEditor, useProject } from '../state/store';
import { STATUS_COLORS, useSegmentStatuses } from './Timeline';
import { Section } from './InspectorSection';

function fmtEta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '';
  if (sec < 60) return `${Math.ceil(sec)} s left`;
  return `${Math.floor(sec / 60)} min ${Math.ceil(sec % 60)} s left`;
}

export function RenderPanel({ seg }: { seg: Segment }) {
  const project = useProject();
  const jobs = useEditor((s) => s.jobs);
  const pending = useEditor((s) => s.pendingRenders);
  const statuses = useSegmentStatuses();
  const status = statuses[seg.id];
  const jobId = Object.entries(pending).find(([, p]) => p.segmentId === seg.id)?.[0];
  const job = jobId ? jobs[jobId] : undefined;
  const failure = seg.failure && seg.failure.specKey === segmentSpecKey(project, seg) ? seg.failure : null;
  const track = project.tracks.find((t) => t.id === seg.trackId);
  return (
    <Section title="Render" testId="render-panel">
      <div className="row">
        <span className="status-badge" style={{ background: STATUS_COLORS[status] }} data-testid="segment-status">
          {status}
        </span>
        <button className="primary" disabled={!!job || !track} onClick={() => void renderSegment(seg.id)} data-testid="render" title="Render this segment as a new take (R)">
          Render segment
        </button>
        {job && (
          <button onClick={() => void cancelJob(job.jobId)} data-testid="cancel-render">
            Cancel
          </button>
        )}
      </div>
      {job && (
        <div className="progress" data-testid="render-progress">
          <progress max={1} value={job.progress?.fraction ?? 0} />
          <span>
            {job.state === 'queued' ? 'queued' : `${job.progress?.stage === 'farm' ? (job.progress.done === 0 ? 'waiting for a farm worker' : 'rendering on the farm') : (job.progress?.stage ?? 'starting')} ${Math.round((job.progress?.fraction ?? 0) * 100)}%`} {fmtEta(job.progress?.etaSec ?? null)}
            {job.label.includes(' on the farm ') && job.progress?.stage !== 'farm' ? ' · farm render' : ''}
            {job.progress && job.progress.fps > 0 ? ` · ${job.progress.fps.toFixed(1)} fps` : ''}
          </span>
        </div>
      )}
      {failure && (
        <div className="error-box" data-testid="render-error">
          <b>{failure.message}</b>
          {failure.hint && <div>{failure.hint}</div>}
        </div>
      )}
    </Section>
  );
}
