/** The inspector's Occlusion mask panel: drawing tools, shapes and keyframes, suggested occluders. */
import { removeKeyframe, removeShape, addShape, nextShapeId } from '../../../shared/masks/keyframes';
import * as ops from '../../../shared/project/segments';
import type { Segment } from '../../../shared/project/schema';
import { acceptHandSuggestion, edit, suggestHands } from '../state/actions';
import { playback } from '../state/playback';
import { useEditor, type Tool } from '../state/store';
import { Section } from './InspectorSection';

const TOOLS: Array<{ id: Tool; label: string; title: string }> = [
  { id: 'select', label: 'Select', title: 'Select a shape; drag a vertex or the shape (creates a keyframe here)' },
  { id: 'polygon', label: 'Polygon', title: 'Click points; click the first point, double-click or Enter to close' },
  { id: 'brush', label: 'Brush', title: 'Paint an occluder (adds to the selected shape)' },
  { id: 'erase', label: 'Erase', title: 'Erase from the selected shape' },
];

export function MaskPanel({ seg }: { seg: Segment }) {
  const tool = useEditor((s) => s.tool);
  const brushSize = useEditor((s) => s.brushSize);
  const onionSkin = useEditor((s) => s.onionSkin);
  const overlays = useEditor((s) => s.overlays);
  const selectedShapeId = useEditor((s) => s.selectedShapeId);
  const frame = useEditor((s) => s.frame);
  const analysis = useEditor((s) => s.analysis);
  const inSeg = frame >= seg.startFrame && frame < seg.endFrame;
  const suggestions = (analysis?.occlusionSuggestions ?? []).filter((x) => x.frame >= seg.startFrame && x.frame < seg.endFrame);
  const setMask = (m: Segment['occlusion']) => edit((p) => ops.updateSegment(p, seg.id, { occlusion: m }));
  return (
    <Section title="Occlusion mask" testId="mask-panel">
      <div className="seg-buttons">
        {TOOLS.map((t) => (
          <button key={t.id} className={tool === t.id ? 'on' : ''} title={t.title} onClick={() => useEditor.setState({ tool: t.id })} data-testid={`tool-${t.id}`}>
            {t.label}
          </button>
        ))}
      </div>
      {(tool === 'brush' || tool === 'erase') && (
        <label className="row">
          Brush size
          <input type="range" min={2} max={120} value={brushSize} onChange={(e) => useEditor.setState({ brushSize: Number(e.target.value) })} /> {brushSize}px
        </label>
      )}
      {!inSeg && <p className="muted">Move the playhead into the segment to draw on its frames.</p>}
      <div className="row wrap">
        <label>
          <input type="checkbox" checked={onionSkin} onChange={(e) => useEditor.setState({ onionSkin: e.target.checked })} /> Onion skin
        </label>
        <label title="Pixels kept from the original">
          <input type="checkbox" checked={overlays.occlusion} onChange={(e) => useEditor.setState({ overlays: { ...overlays, occlusion: e.target.checked } })} /> Occlusion
        </label>
        <label title="Pixels the engine regenerates (needs Find faces)">
          <input type="checkbox" checked={overlays.union} onChange={(e) => useEditor.setState({ overlays: { ...overlays, union: e.target.checked } })} /> Union mask
        </label>
        <label>
          <input type="checkbox" checked={overlays.faces} onChange={(e) => useEditor.setState({ overlays: { ...overlays, faces: e.target.checked } })} /> Faces
        </label>
      </div>
      {seg.occlusion.shapes.length === 0 && <p className="muted">No occluders: the whole lower face is regenerated.</p>}
      <ul className="shapes" data-testid="shapes">
        {seg.occlusion.shapes.map((shape) => (
          <li key={shape.id} className={shape.id === selectedShapeId ? 'selected' : ''} data-testid="shape">
            <button className="link" onClick={() => useEditor.setState({ selectedShapeId: shape.id, tool: 'select' })}>
              {shape.id}
            </button>
            <span className="keyframes">
              {shape.keyframes.map((k) => (
                <span key={k.frame} className={`kf ${k.frame === frame ? 'here' : ''}`}>
                  <button className="link" onClick={() => playback.seekFrame(k.frame)} title="Go to this keyframe">
                    ◆{k.frame}
                  </button>
                  <button className="link x" title="Delete this keyframe" onClick={() => setMask(removeKeyframe(seg.occlusion, shape.id, k.frame))}>
                    ×
                  </button>
                </span>
              ))}
            </span>
            <button className="link" onClick={() => setMask(removeShape(seg.occlusion, shape.id))}>
              delete
            </button>
          </li>
        ))}
      </ul>
      <HandSuggestionsPanel seg={seg} />
      {suggestions.length > 0 && (
        <div className="suggestions">
          <h4>Suggested occluders</h4>
          {suggestions.map((s, i) => (
            <div key={i} className="suggestion">
              <span>{s.reason}</span>
              <button
                onClick={() => {
                  const id = nextShapeId(seg.occlusion, 'suggested');
                  setMask(addShape(seg.occlusion, id, s.frame, s.polygon));
                  playback.seekFrame(s.frame);
                  useEditor.setState({ selectedShapeId: id, tool: 'select' });
                }}
              >
                Add at frame {s.frame}
              </button>
            </div>
          ))}
        </div>
      )}
    </Section>
  );
}

/** Occluders suggested from hands detected over the lower face (Find hands -> Add as occluder). */
function HandSuggestionsPanel({ seg }: { seg: Segment }) {
  const result = useEditor((s) => s.handSuggestions);
  const finding = useEditor((s) => s.findingHands);
  const mine = result?.segmentId === seg.id ? result : null;
  return (
    <div className="suggestions" data-testid="hand-suggestions">
      <div className="row">
        <h4>Hands over the mouth</h4>
        <button onClick={() => void suggestHands(seg.id)} disabled={finding !== null} data-testid="find-hands" title="Detect hands on sampled frames of the segment and suggest occluder outlines">
          {finding === seg.id ? 'Finding hands…' : mine ? 'Find hands again' : 'Find hands'}
        </button>
      </div>
      {mine && mine.suggestions.length === 0 && (
        <p className="muted" data-testid="hand-suggestions-empty">
          No hands found over the lower face ({mine.sampledFrames} frames checked{mine.handsSeen > 0 ? `, ${mine.handsSeen} hand${mine.handsSeen === 1 ? '' : 's'} elsewhere` : ''}).
        </p>
      )}
      {mine?.suggestions.map((s, i) => (
        <div key={i} className="suggestion" data-testid="hand-suggestion">
          <span>{s.reason}</span>
          <button
            onClick={() => {
              const id = acceptHandSuggestion(seg.id, s);
              if (!id) return;
              playback.seekFrame(s.keyframes[0].frame);
              useEditor.setState({ selectedShapeId: id, tool: 'select' });
            }}
            data-testid="accept-hand"
          >
            Add as occluder
          </button>
        </div>
      ))}
    </div>
  );
}
