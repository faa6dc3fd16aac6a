/** The inspector's Face panel: which tracked face a segment dubs, and finding faces. */
import * as ops from '../../../shared/project/segments';
import type { Segment } from '../../../shared/project/schema';
import { analyzeFaces, cancelJob, edit } from '../state/actions';
import { useEditor } from '../state/store';
import { Section } from './InspectorSection';

export function FacePanel({ seg }: { seg: Segment }) {
  const analysis = useEditor((s) => s.analysis);
  const jobs = useEditor((s) => s.jobs);
  const pickMode = useEditor((s) => s.pickMode);
  const running = Object.values(jobs).find((j) => j.kind === 'analyze' && (j.state === 'running' || j.state === 'queued'));
  return (
    <Section title="Face" testId="face-panel">
      <div className="row wrap">
        <select value={seg.face ?? ''} onChange={(e) => edit((p) => ops.updateSegment(p, seg.id, { face: e.target.value === '' ? null : Number(e.target.value) }))} data-testid="face-select">
          <option value="">Automatic (largest face)</option>
          {(analysis?.faces ?? []).map((f) => (
            <option key={f.id} value={f.id}>
              Face {f.id} ({f.frames.length} frames)
            </option>
          ))}
          {seg.face !== null && !analysis?.faces.some((f) => f.id === seg.face) && <option value={seg.face}>Face {seg.face}</option>}
        </select>
        <button onClick={() => void analyzeFaces()} disabled={!!running} data-testid="find-faces" title="Track the faces of the clip (cached; reused by renders)">
          {running ? `Finding faces ${Math.round((running.progress?.fraction ?? 0) * 100)}%` : analysis ? 'Find faces again' : 'Find faces'}
        </button>
        {running && <button onClick={() => void cancelJob(running.jobId)}>Cancel</button>}
        <button disabled={!analysis?.faces.length} className={pickMode === 'face' ? 'on' : ''} onClick={() => useEditor.setState({ pickMode: pickMode === 'face' ? null : 'face' })}>
          Click face on preview
        </button>
      </div>
      {analysis && analysis.faces.length === 0 && <p className="warn">No face was found in this clip; rendering will fail with “no face”.</p>}
    </Section>
  );
}
