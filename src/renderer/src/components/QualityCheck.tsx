import type { JobSnapshot } from '../../../shared/api/contract';
import type { QualityFlag, QualityFlagFigure, QualityResult } from '../../../shared/api/quality';
import { readyTake } from '../../../shared/project/render-key';
import type { Segment } from '../../../shared/project/schema';
import { formatTimecode } from '../../../shared/time';
import { useState } from 'react';
import { cancelJob } from '../state/actions';
import { playback } from '../state/playback';
import { getProject, showError, useEditor, useProject } from '../state/store';

const FIGURE_LABEL: Record<QualityFlagFigure, string> = { seam: 'seam', outsideChange: 'outside face', sharpness: 'sharpness', flicker: 'flicker' };

const fmt = (figure: QualityFlagFigure, v: number | null) => (v === null ? '–' : figure === 'sharpness' ? `${Math.round(v * 100)} %` : v.toFixed(2));

/** The latest quality-check job of a segment (jobs arrive in the store through job.update). */
function latestJob(jobs: Record<string, JobSnapshot>, segmentId: string): JobSnapshot | undefined {
  let last: JobSnapshot | undefined;
  for (const j of Object.values(jobs)) if (j.kind === 'quality' && j.segmentId === segmentId) last = j;
  return last;
}

/** Flags grouped by frame, frames in order (the service sends them sorted by frame). */
function groupByFrame(flags: QualityFlag[]): Array<[number, QualityFlag[]]> {
  const m = new Map<number, QualityFlag[]>();
  for (const f of flags) m.set(f.frame, [...(m.get(f.frame) ?? []), f]);
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

/** Shows the viewer at a frame of the segment, on the dubbed take when the original was showing. */
function seekTo(frame: number): void {
  if (useEditor.getState().previewMode === 'original') useEditor.setState({ previewMode: 'dubbed' });
  playback.seekFrame(frame);
}

async function runCheck(segmentId: string): Promise<void> {
  const api = useEditor.getState().api;
  if (!api) return;
  try {
    const { job } = await api.call('jobs.qualityCheck', { project: getProject(), segmentId });
    // The job's own events may have arrived first: never replace them with this (older) snapshot.
    useEditor.setState((s) => (s.jobs[job.jobId] ? {} : { jobs: { ...s.jobs, [job.jobId]: job } }));
  } catch (err) {
    showError(err);
  }
}

/**
 * The segment inspector's "Quality check" section: runs `jobs.qualityCheck` on the segment's take
 * (the ready take, else the active one) and lists the flagged frames with their reason; clicking
 * a frame seeks the viewer there. When the pipeline leaves the segment as the original (a face it
 * cannot serve) the reason is shown: from the check, or from the take's render warnings before.
 */
export function QualityCheck({ seg }: { seg: Segment }) {
  const project = useProject();
  const jobs = useEditor((s) => s.jobs);
  const fps = project.video?.fps ?? 25;
  const [showAll, setShowAll] = useState(false);
  const job = latestJob(jobs, seg.id);
  const running = job && (job.state === 'queued' || job.state === 'running');
  const result = job?.state === 'done' && job.result?.kind === 'quality' ? (job.result as QualityResult) : null;
  const take = readyTake(project, seg) ?? seg.takes.find((t) => t.id === seg.activeTakeId) ?? null;
  const renderLimit = take?.warnings.find((w) => /left as the original/i.test(w)) ?? null;
  const limitReason = result?.faceLimit?.reason ?? renderLimit;
  const flags = result?.flags ?? [];
  const playhead = useEditor((s) => s.frame);
  const byFrame = groupByFrame(flags);
  const shown = showAll ? byFrame : byFrame.slice(0, 30);
  const flaggedFrames = byFrame.length;
  return (
    <section className="insp-section" data-testid="quality-check">
      <h3>Quality check</h3>
      <div className="row">
        <button onClick={() => void runCheck(seg.id)} disabled={!take || !!running} data-testid="quality-run" title="Compare the take with the original over the segment, against a plain re-encode as the noise floor">
          {running ? 'Checking…' : result ? 'Check again' : 'Run quality check'}
        </button>
        {running && (
          <button onClick={() => void cancelJob(job.jobId)} data-testid="quality-cancel">
            Cancel
          </button>
        )}
        {!take && <span className="muted">Render the segment first.</span>}
      </div>
      {running && (
        <div className="progress" data-testid="quality-progress">
          <progress max={1} value={job.progress?.fraction ?? 0} />
          <span className="muted">{job.state === 'queued' ? 'queued (after the jobs ahead)' : job.progress?.stage === 'track' ? 'finding the face in the take' : 'comparing frames'}</span>
        </div>
      )}
      {job?.state === 'failed' && job.error && (
        <div className="error-box" data-testid="quality-error">
          <b>{job.error.message}</b>
          {job.error.hint && <div>{job.error.hint}</div>}
        </div>
      )}
      {limitReason && (
        <div className="error-box" data-testid="quality-face-limit">
          <b>Left as the original</b>
          <div>{limitReason.replace(/^Segment \S+ \(frames [^)]*\): /, '')}</div>
        </div>
      )}
      {result && (
        <>
          <p className="muted" data-testid="quality-summary">
            {result.framesChecked} frames checked ({formatTimecode(result.range.startFrame, fps)}–{formatTimecode(result.range.endFrame, fps)}
            {result.framesSkipped > 0 ? `, ${result.framesSkipped} without a face` : ''}) against a plain re-encode
            {take && result.takeId !== take.id ? ` · take ${result.takeId}, not the one now active` : ''}
          </p>
          {result.warnings.map((w, i) => (
            <p key={i} className="muted">
              {w}
            </p>
          ))}
          {flags.length === 0 && result.framesChecked > 0 && (
            <div className="ok-box" data-testid="quality-empty">
              No flagged frames: seams, change outside the face and flicker stay within the re-encode&apos;s noise, sharpness at or above 95 %.
            </div>
          )}
          {flags.length > 0 && (
            <p data-testid="quality-count">
              <b>{flaggedFrames}</b> flagged frame{flaggedFrames === 1 ? '' : 's'} ({flags.length} flag{flags.length === 1 ? '' : 's'})
            </p>
          )}
          <ul className="takes" data-testid="quality-flags" style={{ maxHeight: 360, overflowY: 'auto' }}>
            {shown.map(([frame, list]) => (
              <li key={frame} style={{ padding: 0, borderColor: frame === playhead ? 'var(--accent)' : undefined }}>
                <button
                  className="link"
                  style={{ display: 'block', width: '100%', textAlign: 'left', padding: '4px 6px', color: 'inherit' }}
                  onClick={() => seekTo(frame)}
                  data-testid="quality-flag"
                  data-frame={frame}
                  data-figures={list.map((f) => f.figure).join(' ')}
                  title="Show this frame"
                >
                  <span style={{ color: '#8fb4ff' }}>
                    frame {frame} · {formatTimecode(frame, fps)}
                  </span>
                  {list.map((f) => (
                    <div key={f.figure} style={{ fontSize: 11, marginTop: 2 }}>
                      <span className="tag">{FIGURE_LABEL[f.figure]}</span>{' '}
                      <span style={{ fontFamily: 'ui-monospace, monospace' }}>
                        {fmt(f.figure, f.value)} vs {fmt(f.figure, f.floor)}
                      </span>{' '}
                      <span className="muted">{f.reason}</span>
                    </div>
                  ))}
                </button>
              </li>
            ))}
          </ul>
          {byFrame.length > shown.length && (
            <button className="link" onClick={() => setShowAll(true)}>
              show all {byFrame.length} frames
            </button>
          )}
          {result.worst.length > 0 && (
            <div data-testid="quality-worst">
              <div className="muted" style={{ marginTop: 6 }}>
                Worst frames (take vs re-encode):
              </div>
              <div className="row wrap">
                {result.worst.map((w) => (
                  <button key={w.figure} onClick={() => seekTo(w.frame)} data-testid="quality-worst-frame" data-frame={w.frame} title={`Show frame ${w.frame}`}>
                    {FIGURE_LABEL[w.figure]} {fmt(w.figure, w.value)} vs {fmt(w.figure, w.floor)} @ {w.frame}
                  </button>
                ))}
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
