/** The inspector's Takes panel: a segment's takes, to use, compare or delete. */
import { segmentSpecKey } from '../../../shared/project/render-key';
import * as ops from '../../../shared/project/segments';
import type { Segment } from '../../../shared/project/schema';
import { formatTimecode } from '../../../shared/time';
import { takeChanges, takeName } from '../../../shared/project/names';
import { edit } from '../state/actions';
import { useEditor, useProject } from '../state/store';
import { Section } from './InspectorSection';

export function TakesPanel({ seg }: { seg: Segment }) {
  const project = useProject();
  const compareTakeId = useEditor((s) => s.compareTakeId);
  const key = segmentSpecKey(project, seg);
  const fps = project.video?.fps ?? 25;
  if (seg.takes.length === 0) return null;
  return (
    <Section title={`Takes (${seg.takes.length})`} testId="takes">
      <ul className="takes">
        {[...seg.takes].reverse().map((t) => (
          <li key={t.id} className={t.id === seg.activeTakeId ? 'active' : ''} data-testid="take">
            <div>
              <b title={t.id}>{takeName(seg, t)}</b> {t.id === seg.activeTakeId && <span className="tag">active</span>} {t.specKey === key && <span className="tag ok">current settings</span>}
              <div className="muted" data-testid="take-changes">{takeChanges(seg, t)}</div>
              <div className="muted">
                {new Date(t.createdAt).toLocaleTimeString()} · {t.engine} · {t.renderSec ? `${t.renderSec.toFixed(1)} s` : 'from cache'} · reference {formatTimecode(t.reference.startFrame, fps)}–{formatTimecode(t.reference.endFrame - 1, fps)} ({t.settings.reference ? (t.settings.reference.source === 'user' ? 'picked' : `suggested${t.settings.reference.candidate ? `: Candidate ${t.settings.reference.candidate}` : ''}`) : 'automatic'})
              </div>
              <div className="muted">{Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' ')}</div>
              {t.referenceReason && <div className="muted">reference: {t.referenceReason}</div>}
            </div>
            <div className="row">
              <button disabled={t.id === seg.activeTakeId && t.specKey === key} onClick={() => edit((p) => ops.activateTake(p, seg.id, t.id))} title="Use this take (restores the settings it was made with)">
                Use
              </button>
              <button
                className={compareTakeId === t.id ? 'on' : ''}
                onClick={() => useEditor.setState({ compareTakeId: compareTakeId === t.id ? null : t.id, previewMode: 'side-by-side' })}
                title="Show this take on the left of the side-by-side view"
              >
                Compare
              </button>
              <button onClick={() => edit((p) => ops.deleteTake(p, seg.id, t.id))} title="Remove from the project (the file stays in the cache)">
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
    </Section>
  );
}
