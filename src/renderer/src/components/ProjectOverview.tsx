/** The inspector with no segment selected: the project's segments and no lip-sync ranges. */
import * as ops from '../../../shared/project/segments';
import { formatTimecode } from '../../../shared/time';
import { segmentName } from '../../../shared/project/names';
import { edit, selectSegment } from '../state/actions';
import { useProject } from '../state/store';
import { STATUS_COLORS, useSegmentStatuses } from './Timeline';
import { SegmentPhoneSource } from './PhoneticsPanel';
import { Section } from './InspectorSection';

export function ProjectOverview() {
  const project = useProject();
  const statuses = useSegmentStatuses();
  const fps = project.video?.fps ?? 25;
  return (
    <div className="inspector-body">
      <Section title="Segments">
        {project.segments.length === 0 && <p className="muted">Drag on the original dialogue lane, mark I/O and press N, or use “Segments from speech” on a dub track.</p>}
        <ul className="seg-list">
          {project.segments.map((s) => (
            <li key={s.id}>
              <button className="link" onClick={() => selectSegment(s.id, true)}>
                {segmentName(project, s)}
              </button>{' '}
              {formatTimecode(s.startFrame, fps)}–{formatTimecode(s.endFrame - 1, fps)} <span className="status-badge" style={{ background: STATUS_COLORS[statuses[s.id]] }}>{statuses[s.id]}</span>
              <SegmentPhoneSource seg={s} />
            </li>
          ))}
        </ul>
      </Section>
      <Section title="No lip-sync ranges">
        {project.protectedRanges.length === 0 && <p className="muted">None. Cutaways and reactions marked here are never altered (Shift+N from in/out).</p>}
        <ul className="seg-list">
          {project.protectedRanges.map((r) => (
            <li key={r.id}>
              {r.label} {formatTimecode(r.startFrame, fps)}–{formatTimecode(r.endFrame, fps)}{' '}
              <button className="link" onClick={() => edit((p) => ops.removeProtectedRange(p, r.id))}>
                remove
              </button>
            </li>
          ))}
        </ul>
      </Section>
    </div>
  );
}
