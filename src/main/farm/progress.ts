import { fmtDuration } from '../cli/common';

/** State of one submitted job as the submitter last saw it. */
export interface FarmJobProgress {
  id: string;
  label: string;
  queue: string;
  state: 'waiting' | 'active' | 'completed' | 'failed' | 'retrying' | 'resubmitted';
  /** Frames done / total of this job. */
  done: number;
  total: number;
  worker?: string;
  attempts: number;
}

/** Progress of a farm run: every job, and frames over all jobs with rate and ETA. */
export interface FarmProgress {
  jobs: FarmJobProgress[];
  jobsDone: number;
  framesDone: number;
  framesTotal: number;
  /** Frames per second since the first job started (NaN before). */
  fps: number;
  /** Seconds left at that rate (NaN when unknown). */
  etaSec: number;
  elapsedSec: number;
}

/**
 * Summarizes job states into overall progress. `startedAt` is when the first job became active
 * (performance.now() milliseconds; null before), the rate is frames done since then.
 */
export function summarize(jobs: FarmJobProgress[], startedAt: number | null, t0: number, now = performance.now()): FarmProgress {
  const framesTotal = jobs.reduce((n, j) => n + j.total, 0);
  const framesDone = jobs.reduce((n, j) => n + (j.state === 'completed' ? j.total : Math.min(j.done, j.total)), 0);
  const el = startedAt === null ? 0 : (now - startedAt) / 1000;
  const fps = el > 0.5 && framesDone > 0 ? framesDone / el : Number.NaN;
  return {
    jobs,
    jobsDone: jobs.filter((j) => j.state === 'completed').length,
    framesDone,
    framesTotal,
    fps,
    etaSec: Number.isFinite(fps) ? (framesTotal - framesDone) / fps : Number.NaN,
    elapsedSec: (now - t0) / 1000,
  };
}

/** One line per job and one overall line, for a terminal. */
export function formatFarmProgress(p: FarmProgress): string {
  const lines = p.jobs.map((j) => {
    const pct = j.total ? Math.round((100 * Math.min(j.done, j.total)) / j.total) : 0;
    const who = j.worker ? ` on ${j.worker}` : '';
    const tries = j.attempts > 1 ? ` (attempt ${j.attempts})` : '';
    return `    ${j.label.padEnd(12)} ${j.state.padEnd(11)} ${String(j.state === 'completed' ? j.total : j.done).padStart(6)}/${j.total} frames ${String(j.state === 'completed' ? 100 : pct).padStart(3)}%${who}${tries}`;
  });
  const pct = p.framesTotal ? Math.round((100 * p.framesDone) / p.framesTotal) : 0;
  const fps = Number.isFinite(p.fps) ? `${p.fps.toFixed(1)} fps` : '-- fps';
  return [`  farm    ${p.jobsDone}/${p.jobs.length} jobs  ${p.framesDone}/${p.framesTotal} frames  ${pct}%  ${fps}  ETA ${fmtDuration(p.etaSec)}`, ...lines].join('\n');
}
