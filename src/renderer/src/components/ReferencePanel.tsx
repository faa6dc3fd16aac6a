/** The inspector's Lip-habit reference panel: picking, suggesting and choosing a segment's reference. */
import * as ops from '../../../shared/project/segments';
import type { Segment } from '../../../shared/project/schema';
import { formatSeconds, formatTimecode } from '../../../shared/time';
import { edit, suggestReferences } from '../state/actions';
import { useEditor, useProject } from '../state/store';
import { Section } from './InspectorSection';

export function ReferencePanel({ seg }: { seg: Segment }) {
  const api = useEditor((s) => s.api);
  const cands = useEditor((s) => s.refCandidates);
  const pickMode = useEditor((s) => s.pickMode);
  const inPoint = useEditor((s) => s.inPoint);
  const outPoint = useEditor((s) => s.outPoint);
  const fps = useProject().video?.fps ?? 25;
  const activeTake = seg.takes.find((t) => t.id === seg.activeTakeId);
  // Best first: the candidate list is sorted by score, and named by rank ("Candidate 1").
  const list = cands?.segmentId === seg.id ? [...cands.candidates].sort((a, b) => b.score - a.score) : [];
  return (
    <Section title="Lip-habit reference" testId="reference-panel">
      <p data-testid="reference-value">
        {seg.reference ? (
          <>
            Frames {seg.reference.startFrame}–{seg.reference.endFrame - 1} ({formatSeconds((seg.reference.endFrame - seg.reference.startFrame) / fps)} s, {seg.reference.source === 'user' ? 'picked on the timeline' : `suggested${seg.reference.candidate ? `: Candidate ${seg.reference.candidate}` : ''}`})
          </>
        ) : (
          <>Automatic{activeTake ? ` (last render used ${activeTake.reference.startFrame}–${activeTake.reference.endFrame}: ${activeTake.referenceReason})` : ''}</>
        )}
      </p>
      <div className="row wrap">
        <button className={pickMode === 'reference' ? 'on' : ''} onClick={() => useEditor.setState({ pickMode: pickMode === 'reference' ? null : 'reference' })} data-testid="pick-reference">
          Pick on timeline
        </button>
        <button disabled={inPoint === null || outPoint === null} onClick={() => edit((p) => ops.setReference(p, seg.id, { startFrame: inPoint!, endFrame: outPoint! + 1 }, 'user'))}>
          Use in/out
        </button>
        <button disabled={!seg.reference} onClick={() => edit((p) => ops.setReference(p, seg.id, null))}>
          Automatic
        </button>
        <button onClick={() => void suggestReferences(seg.id)} data-testid="suggest-reference">
          Suggest
        </button>
      </div>
      {list.length > 0 && (
        <ul className="candidates" data-testid="reference-candidates">
          {list.map((c, i) => (
            <li key={i} data-testid="reference-candidate">
              {c.thumbnail && api && <img src={api.mediaUrl(c.thumbnail)} alt={`frame ${c.startFrame}`} />}
              <div>
                <b data-testid="candidate-name">Candidate {i + 1}{i === 0 ? ' (best)' : ''}</b>{' '}
                <span className="timecode">
                  {formatTimecode(c.startFrame, fps)}–{formatTimecode(c.endFrame - 1, fps)}
                </span>{' '}
                <span className="muted">score {(c.score * 100).toFixed(0)}%</span>
                <ul className="reasons">
                  {c.reasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
                <button onClick={() => edit((p) => ops.setReference(p, seg.id, { startFrame: c.startFrame, endFrame: c.endFrame }, 'suggested', i + 1))} data-testid="accept-candidate">
                  Use this reference
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
