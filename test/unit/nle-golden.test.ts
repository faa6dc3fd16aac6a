import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderTimeline, TIMELINE_EXTENSIONS, type TimelineFormat } from '../../src/main/nle/export';
import { checkWellFormed, children, descendants, parseXml, type XmlNode } from '../../src/main/nle/xml';
import { ALL_TIMELINES } from '../golden/nle/fixtures';

/**
 * Golden files: every writer's output for every sample timeline is compared byte for byte with
 * test/golden/nle/dubbed-<rate>.<ext>. After an intended format change, regenerate with
 * `UPDATE_GOLDEN=1 npx vitest run test/unit/nle-golden.test.ts` and review the diff.
 */

const GOLDEN = fileURLToPath(new URL('../golden/nle/', import.meta.url));
const FORMATS: TimelineFormat[] = ['otio', 'fcp7', 'fcpxml', 'edl'];
const update = process.env.UPDATE_GOLDEN === '1';

describe.each(Object.entries(ALL_TIMELINES))('golden files, %s timeline', (key, timeline) => {
  it.each(FORMATS)('%s matches the checked-in golden file', (format) => {
    const text = renderTimeline(timeline, format);
    const file = `${GOLDEN}dubbed-${key}${TIMELINE_EXTENSIONS[format]}`;
    if (update) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
    }
    expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});

const OTIO_SCHEMAS = ['Timeline.1', 'Stack.1', 'Track.1', 'Clip.2', 'ExternalReference.1', 'RationalTime.1', 'TimeRange.1', 'Gap.1', 'Marker.2'];

function schemasIn(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => schemasIn(x, out));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.OTIO_SCHEMA === 'string') out.add(o.OTIO_SCHEMA);
    Object.values(o).forEach((x) => schemasIn(x, out));
  }
  return out;
}

/**
 * The FCPXML 1.10 DTD's content models for the elements the writer emits: allowed children in
 * order (each group may repeat, groups must not go backwards), and required attributes.
 */
const FCPXML_MODEL: Record<string, { order: string[][]; required: string[] }> = {
  fcpxml: { order: [['import-options'], ['resources'], ['library', 'event']], required: ['version'] },
  resources: { order: [['asset', 'effect', 'format', 'media', 'locator']], required: [] },
  format: { order: [], required: ['id'] },
  asset: { order: [['media-rep'], ['metadata']], required: ['id'] },
  'media-rep': { order: [['bookmark']], required: ['src'] },
  library: { order: [['event', 'smart-collection']], required: [] },
  event: { order: [['project', 'asset-clip', 'clip']], required: [] },
  project: { order: [['sequence']], required: [] },
  sequence: { order: [['note'], ['spine'], ['metadata']], required: ['format'] },
  spine: { order: [['asset-clip', 'gap', 'clip', 'transition']], required: [] },
  'asset-clip': { order: [['note'], ['asset-clip', 'clip', 'spine'], ['marker', 'chapter-marker', 'keyword'], ['metadata']], required: ['ref'] },
  gap: { order: [['note'], ['asset-clip', 'clip', 'spine'], ['marker', 'chapter-marker', 'keyword'], ['metadata']], required: ['duration'] },
  marker: { order: [], required: ['start', 'value'] },
};

function checkFcpxmlModel(node: XmlNode, ids: Set<string>, errors: string[]): void {
  const model = FCPXML_MODEL[node.name];
  if (!model) {
    errors.push(`<${node.name}> is not an element the 1.10 DTD allows here`);
    return;
  }
  for (const a of model.required) if (node.attrs[a] === undefined) errors.push(`<${node.name}> lacks ${a}`);
  let group = 0;
  for (const c of node.children) {
    const g = model.order.findIndex((names) => names.includes(c.name));
    if (g < 0) errors.push(`<${c.name}> may not appear in <${node.name}>`);
    else if (g < group) errors.push(`<${c.name}> is out of order in <${node.name}>`);
    else group = g;
    checkFcpxmlModel(c, ids, errors);
  }
  for (const ref of ['ref', 'format']) {
    if (node.attrs[ref] !== undefined && !ids.has(node.attrs[ref])) errors.push(`<${node.name} ${ref}="${node.attrs[ref]}"> refers to nothing`);
  }
  for (const t of ['offset', 'start', 'duration', 'tcStart', 'frameDuration']) {
    const v = node.attrs[t];
    if (v !== undefined && !/^\d+(\/\d+)?s$/.test(v)) errors.push(`<${node.name} ${t}="${v}"> is not a rational time`);
  }
}

describe.each(Object.entries(ALL_TIMELINES))('structure, %s timeline', (_key, timeline) => {
  it('OTIO uses only the standard schema names and versions', () => {
    const json = JSON.parse(renderTimeline(timeline, 'otio'));
    expect([...schemasIn(json)].sort()).toEqual([...OTIO_SCHEMAS].sort());
    expect(json.tracks.children.map((t: { kind: string; name: string }) => `${t.kind}:${t.name}`)).toEqual(['Video:V1', 'Video:Dubbed', 'Audio:A1']);
  });

  it('FCP7 XML is well-formed xmeml v5 with encoded pathurls and file reuse', () => {
    const text = renderTimeline(timeline, 'fcp7');
    expect(checkWellFormed(text)).toBe(true);
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n<xmeml version="5">')).toBe(true);
    const root = parseXml(text);
    const files = descendants(root, 'file');
    const declared = files.filter((f) => f.children.length > 0);
    const refs = files.filter((f) => f.children.length === 0);
    expect(new Set(declared.map((f) => f.attrs.id)).size).toBe(declared.length);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(declared.map((f) => f.attrs.id)).toContain(r.attrs.id);
    for (const u of descendants(root, 'pathurl')) expect(u.text).toMatch(/^file:\/\/localhost\/[A-Za-z0-9%._~\-/]+$/);
    const video = children(children(descendants(root, 'media')[0], 'video')[0], 'track');
    expect(video).toHaveLength(2);
  });

  it('FCPXML 1.10 is well-formed and follows the DTD content models it uses', () => {
    const text = renderTimeline(timeline, 'fcpxml');
    expect(checkWellFormed(text)).toBe(true);
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n<fcpxml version="1.10">')).toBe(true);
    const root = parseXml(text);
    const ids = new Set(children(children(root, 'resources')[0]).map((r) => r.attrs.id));
    const errors: string[] = [];
    checkFcpxmlModel(root, ids, errors);
    expect(errors).toEqual([]);
    for (const r of descendants(root, 'media-rep')) expect(r.attrs.src).toMatch(/^file:\/\/\/[A-Za-z0-9%._~\-/]+$/);
    // Every connected clip carries a lane; V2 is lane 1, A1 lane -1.
    const lanes = descendants(root, 'asset-clip').map((c) => c.attrs.lane).filter((l) => l !== undefined);
    expect(new Set(lanes)).toEqual(new Set(['1', '-1']));
  });

  it('EDL is CMX 3600: title, FCM, fixed-column event lines', () => {
    const lines = renderTimeline(timeline, 'edl').split('\n');
    expect(lines[0]).toMatch(/^TITLE: /);
    expect(lines[1]).toBe(timeline.dropFrame ? 'FCM: DROP FRAME' : 'FCM: NON-DROP FRAME');
    const events = lines.filter((l) => /^\d{3} /.test(l));
    expect(events).toHaveLength(2);
    const sep = timeline.dropFrame ? ';' : ':';
    const tc = `\\d\\d:\\d\\d:\\d\\d${sep}\\d\\d`;
    for (const e of events) expect(e).toMatch(new RegExp(`^\\d{3}  [A-Z0-9_ ]{8} V     C        ${tc} ${tc} ${tc} ${tc}$`));
  });
});
