/** The progress bar and cancel button of a batch of renders. */
import { cancelBatch } from '../state/actions';
import { useEditor } from '../state/store';

/** One progress bar and one cancel for a batch of renders. */
export function BatchProgress() {
  const batch = useEditor((s) => s.batch);
  const jobs = useEditor((s) => s.jobs);
  if (!batch) return null;
  const fractions = batch.jobIds.map((id) => {
    const j = jobs[id];
    if (!j) return 0;
    return j.state === 'done' || j.state === 'failed' || j.state === 'cancelled' ? 1 : (j.progress?.fraction ?? 0);
  });
  const total = Math.max(batch.total, 1);
  const fraction = fractions.reduce((a, b) => a + b, 0) / total;
  const finished = batch.jobIds.filter((id) => jobs[id] && ['done', 'failed', 'cancelled'].includes(jobs[id].state)).length;
  return (
    <span className="progress batch" data-testid="batch-progress">
      <progress max={1} value={fraction} />
      <span>
        {batch.label}: {finished}/{batch.total} · {Math.round(fraction * 100)}%
      </span>
      <button onClick={() => void cancelBatch()} data-testid="batch-cancel">
        Cancel
      </button>
    </span>
  );
}
