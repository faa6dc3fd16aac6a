import { fillParams, normalizeParam, type EngineParamSpecWire } from '../../../shared/engines';
import { removeKeyframe, removeShape, addShape, nextShapeId } from '../../../shared/masks/keyframes';
import { segmentSpecKey } from '../../../shared/project/render-key';
import * as ops from '../../../shared/project/segments';
import type { Segment } from '../../../shared/project/schema';
import { formatSeconds, formatTimecode } from '../../../shared/time';
import { useEffect, useState } from 'react';
import { acceptHandSuggestion, analyzeFaces, cancelJob, suggestHands, deleteSelected, edit, loadEnginePack, mergeSelectedWithNext, renderSegment, selectSegment, splitAtPlayhead, suggestReferences } from '../state/actions';
import { playback } from '../state/playback';
import { useEditor, useProject, type Tool } from '../state/store';
import { STATUS_COLORS, useSegmentStatuses } from './Timeline';
import { segmentName, takeChanges, takeName } from '../../../shared/project/names';
import { QualityCheck } from './QualityCheck';
import { PhoneticsPanel, SegmentPhoneSource } from './PhoneticsPanel';

function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <section className="insp-section" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** A slider generated from an engine parameter's schema (range, step, default, help text). */
export function ParamSlider({ spec, value, onChange }: { spec: EngineParamSpecWire; value: number; onChange: (v: number) => void }) {
  return (
    <div className="param" title={spec.help} data-param={spec.key}>
      <div className="param-head">
        <label htmlFor={`param-${spec.key}`}>{spec.label}</label>
        <output data-testid={`param-value-${spec.key}`}>{value}</output>
        {value !== spec.default && (
          <button className="link" onClick={() => onChange(spec.default)} title={`Reset to ${spec.default}`}>
            reset
          </button>
        )}
      </div>
      <input
        id={`param-${spec.key}`}
        type="range"
        min={spec.min}
        max={spec.max}
        step={spec.integer ? Math.max(1, spec.step) : spec.step}
        value={value}
        aria-label={spec.label}
        data-testid={`param-${spec.key}`}
        onChange={(e) => onChange(normalizeParam(spec, Number(e.target.value)))}
      />
      <small className="help">{spec.help}</small>
    </div>
  );
}

function fmtEta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '';
  if (sec < 60) return `${Math.ceil(sec)} s left`;
  return `${Math.floor(sec / 60)} min ${Math.ceil(sec % 60)} s left`;
}

function RenderPanel({ seg }: { seg: Segment }) {
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

function TakesPanel({ seg }: { seg: Segment }) {
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

const TOOLS: Array<{ id: Tool; label: string; title: string }> = [
  { id: 'select', label: 'Select', title: 'Select a shape; drag a vertex or the shape (creates a keyframe here)' },
  { id: 'polygon', label: 'Polygon', title: 'Click points; click the first point, double-click or Enter to close' },
  { id: 'brush', label: 'Brush', title: 'Paint an occluder (adds to the selected shape)' },
  { id: 'erase', label: 'Erase', title: 'Erase from the selected shape' },
];

function MaskPanel({ seg }: { seg: Segment }) {
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

function FacePanel({ seg }: { seg: Segment }) {
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

function ReferencePanel({ seg }: { seg: Segment }) {
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

function EnginePanel({ seg }: { seg: Segment }) {
  const engines = useEditor((s) => s.engines);
  const engineDescs = useEditor((s) => s.engineDescs);
  const listed = engines.find((e) => e.id === seg.engine);
  const engine = (seg.pack && engineDescs[`${seg.engine}|${seg.pack}`]) || listed;
  const [packText, setPackText] = useState(seg.pack ?? '');
  useEffect(() => setPackText(seg.pack ?? ''), [seg.id, seg.pack]);
  useEffect(() => {
    // A project opened with a pack: fetch that pack's parameter schema (settings unchanged).
    if (listed?.needs.weights && seg.pack && !engineDescs[`${seg.engine}|${seg.pack}`]) void loadEnginePack(seg.id, seg.engine, seg.pack, false);
  }, [seg.id, seg.engine, seg.pack, listed, engineDescs]);
  return (
    <Section title="Engine" testId="engine-panel">
      <select
        value={seg.engine}
        data-testid="engine-select"
        onChange={(e) => {
          const desc = engines.find((x) => x.id === e.target.value);
          if (desc) edit((p) => ops.updateSegment(p, seg.id, { engine: desc.id, params: fillParams(desc, seg.params), pack: desc.needs.weights ? seg.pack : undefined }));
        }}
      >
        {engines.map((e) => (
          <option key={e.id} value={e.id}>
            {e.name}
            {e.needs.weights ? ' (needs a model pack)' : ''}
          </option>
        ))}
        {!listed && <option value={seg.engine}>{seg.engine} (not available)</option>}
      </select>
      {listed?.needs.weights && (
        <div className="row">
          <input type="text" className="grow" placeholder="model pack folder, .onnx or installed pack id" value={packText} onChange={(e) => setPackText(e.target.value)} data-testid="engine-pack" aria-label="Model pack" />
          <button disabled={!packText} onClick={() => void loadEnginePack(seg.id, seg.engine, packText, true)} data-testid="engine-pack-load">
            Load
          </button>
        </div>
      )}
      {engine?.notes.map((n) => (
        <p key={n} className="muted">
          {n}
        </p>
      ))}
      {engine?.params.map((spec) => (
        <ParamSlider key={spec.key} spec={spec} value={seg.params[spec.key] ?? spec.default} onChange={(v) => edit((p) => ops.setSegmentParam(p, seg.id, spec.key, v), { coalesceKey: `param:${seg.id}:${spec.key}` })} />
      ))}
    </Section>
  );
}

function ProjectOverview() {
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

