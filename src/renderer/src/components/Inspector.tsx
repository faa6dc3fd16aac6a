/** The inspector: the selected segment's panels, or the project overview. */
import * as ops from '../../../shared/project/segments';
import { formatTimecode } from '../../../shared/time';
import { deleteSelected, edit, mergeSelectedWithNext, selectSegment, splitAtPlayhead } from '../state/actions';
import { useEditor, useProject } from '../state/store';
import { QualityCheck } from './QualityCheck';
import { PhoneticsPanel } from './PhoneticsPanel';
import { Section } from './InspectorSection';
import { RenderPanel } from './RenderPanel';
import { TakesPanel } from './TakesPanel';
import { MaskPanel } from './MaskPanel';
import { FacePanel } from './FacePanel';
import { ReferencePanel } from './ReferencePanel';
import { EnginePanel } from './EnginePanel';
import { ProjectOverview } from './ProjectOverview';

/** The per-segment inspector (or the project overview when no segment is selected). */
export function Inspector() {
  const project = useProject();
  const segId = useEditor((s) => s.selectedSegmentId);
  const seg = project.segments.find((s) => s.id === segId);
  const fps = project.video?.fps ?? 25;
  if (!project.video) return <aside className="inspector" data-testid="inspector" />;
  if (!seg) {
    return (
      <aside className="inspector" data-testid="inspector">
        <ProjectOverview />
      </aside>
    );
  }
  return (
    <aside className="inspector" data-testid="inspector">
      <div className="inspector-body">
        <Section title="Segment" testId="segment-panel">
          <div className="row">
            <input
              type="text"
              placeholder="Label"
              value={seg.label}
              onChange={(e) => edit((p) => ops.updateSegment(p, seg.id, { label: e.target.value }), { coalesceKey: `label:${seg.id}` })}
              data-testid="segment-label"
            />
            <button className="link" onClick={() => selectSegment(null)}>
              close
            </button>
          </div>
          <p data-testid="segment-range">
            In {formatTimecode(seg.startFrame, fps)} · Out {formatTimecode(seg.endFrame - 1, fps)} · frames {seg.startFrame}–{seg.endFrame - 1} ({seg.endFrame - seg.startFrame} frames)
          </p>
          {project.tracks.length > 1 && (
            <label className="row">
              Dub track
              <select value={seg.trackId} onChange={(e) => edit((p) => ops.updateSegment(p, seg.id, { trackId: e.target.value }))}>
                {project.tracks.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <div className="row wrap">
            <button onClick={splitAtPlayhead} title="S">
              Split at playhead
            </button>
            <button onClick={mergeSelectedWithNext} title="M">
              Merge with next
            </button>
            <button onClick={deleteSelected} title="Delete">
              Delete
            </button>
          </div>
        </Section>
        <RenderPanel seg={seg} />
        <TakesPanel seg={seg} />
        <QualityCheck seg={seg} />
        <PhoneticsPanel seg={seg} />
        <FacePanel seg={seg} />
        <ReferencePanel seg={seg} />
        <EnginePanel seg={seg} />
        <MaskPanel seg={seg} />
      </div>
    </aside>
  );
}
