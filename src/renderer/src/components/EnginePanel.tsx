/** The inspector's Engine panel: engine and model pack choice, and the engine's parameter sliders. */
import { fillParams, normalizeParam, type EngineParamSpecWire } from '../../../shared/engines';
import * as ops from '../../../shared/project/segments';
import type { Segment } from '../../../shared/project/schema';
import { useEffect, useState } from 'react';
import { edit, loadEnginePack } from '../state/actions';
import { useEditor } from '../state/store';
import { Section } from './InspectorSection';

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

export function EnginePanel({ seg }: { seg: Segment }) {
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
