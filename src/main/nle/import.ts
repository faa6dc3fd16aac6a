import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors';
import { readEdl } from './edl';
import { readFcp7 } from './fcp7';
import { readFcpxml } from './fcpxml';
import { HANDOFF_KIND, parseHandoff } from './handoff';
import { mediaPaths, validateTimeline, type NleClip, type NleTimeline } from './model';
import { readOtio } from './otio';
import { baseName } from './paths';
import type { Rational } from './rate';

/** Timeline interchange formats the importer understands. */
export type NleFormat = 'otio' | 'fcp7' | 'fcpxml' | 'edl' | 'handoff';

/**
 * The format of a timeline file from its content, falling back to its extension:
 * OTIO JSON (`"OTIO_SCHEMA"`), our handoff JSON, `<xmeml>` (FCP7), `<fcpxml>`, CMX 3600
 * (`TITLE:` / event lines).
 * @throws UserError `E_NLE_FORMAT` when it is none of them.
 */
export function detectFormat(fileName: string, text: string): NleFormat {
  const head = text.slice(0, 4096).replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('{')) {
    if (head.includes(HANDOFF_KIND)) return 'handoff';
    if (head.includes('"OTIO_SCHEMA"')) return 'otio';
  }
  if (head.startsWith('<')) {
    if (/<xmeml[\s>]/.test(head)) return 'fcp7';
    if (/<fcpxml[\s>]/.test(head)) return 'fcpxml';
  }
  if (/^(TITLE:|FCM:)/im.test(head) || /^\d{3,}\s+\S+\s+\S+\s+[CDWK]/m.test(head)) return 'edl';
  const ext = path.extname(fileName).toLowerCase();
  const byExt: Record<string, NleFormat> = { '.otio': 'otio', '.fcpxml': 'fcpxml', '.fcpxmld': 'fcpxml', '.edl': 'edl' };
  if (byExt[ext]) return byExt[ext];
  throw new UserError(
    'E_NLE_FORMAT',
    `"${baseName(fileName)}" is not a timeline format the editor reads.`,
    'Export the timeline as OpenTimelineIO (.otio), Final Cut Pro 7 XML (.xml), FCPXML (.fcpxml) or CMX 3600 EDL (.edl).',
  );
}

/** Options for `parseTimeline` / `importTimeline`. */
export interface ImportOptions {
  /** Frame rate for EDLs (which do not carry one). */
  edlRate?: Rational;
  /** Start timecode (frames at the EDL rate) for EDLs; default: the hour at or before the first event. */
  edlStartTimecodeFrames?: number;
  /** Sequence / project to read from FCP7 XML / FCPXML holding several. */
  sequenceName?: string;
  /** Drop-frame for OTIO files that do not say (default: drop-frame at 29.97 / 59.94). */
  otioDropFrame?: boolean;
}

/**
 * Parses timeline text in a known format into the interchange model.
 * @throws UserError from the format's reader (`E_NLE_OTIO`, `E_NLE_XML`, `E_NLE_FCP7`,
 *   `E_NLE_FCPXML`, `E_NLE_EDL`, `E_NLE_HANDOFF`, `E_NLE_INVALID`, `E_NLE_TIMECODE`).
 */
export function parseTimeline(text: string, format: NleFormat, opts: ImportOptions = {}): { timeline: NleTimeline; warnings: string[] } {
  const clean = text.replace(/^\uFEFF/, '');
  switch (format) {
    case 'otio':
      return readOtio(clean, { dropFrame: opts.otioDropFrame });
    case 'fcp7':
      return readFcp7(clean, { sequenceName: opts.sequenceName });
    case 'fcpxml':
      return readFcpxml(clean, { projectName: opts.sequenceName });
    case 'edl':
      return readEdl(clean, { rate: opts.edlRate, startTimecodeFrames: opts.edlStartTimecodeFrames });
    case 'handoff': {
      const h = parseHandoff(clean);
      return { timeline: validateTimeline(h.timeline), warnings: h.warnings };
    }
  }
}

export interface ImportResult {
  timeline: NleTimeline;
  format: NleFormat;
  warnings: string[];
  /** Media paths the timeline uses that do not exist on this machine (offer relink). */
  missingMedia: string[];
  /** Clips without any media path (EDL events without `* SOURCE FILE:`): relink by name/reel. */
  unlinkedClips: NleClip[];
}

async function exists(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Reads a text file as UTF-8, or Latin-1 when it is not valid UTF-8 (older Avid EDLs). */
async function readText(file: string): Promise<string> {
  const buf = await fsp.readFile(file);
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  return utf8.includes('\uFFFD') ? new TextDecoder('latin1').decode(buf) : utf8;
}

/**
 * Imports a timeline file (or an `.fcpxmld` bundle): detects the format, parses it and checks
 * which media files exist.
 * @throws UserError `E_NLE_READ` when the file cannot be read, `E_NLE_FORMAT` for an unknown
 *   format, and the reader's errors (see `parseTimeline`).
 */
export async function importTimeline(file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  let target = file;
  try {
    if ((await fsp.stat(file)).isDirectory()) target = path.join(file, 'Info.fcpxml');
  } catch (e) {
    throw new UserError('E_NLE_READ', `Cannot read "${file}": ${(e as Error).message}.`, 'Check the path of the exported timeline.');
  }
  let text: string;
  try {
    text = await readText(target);
  } catch (e) {
    throw new UserError('E_NLE_READ', `Cannot read "${target}": ${(e as Error).message}.`, 'Check the path of the exported timeline.');
  }
  const format = detectFormat(file, text);
  const { timeline, warnings } = parseTimeline(text, format, opts);
  const missingMedia: string[] = [];
  for (const p of mediaPaths(timeline)) if (!(await exists(p))) missingMedia.push(p);
  const unlinkedClips = timeline.tracks.flatMap((t) => t.clips.filter((c) => !c.mediaPath));
  return { timeline, format, warnings, missingMedia, unlinkedClips };
}

/**
 * Candidate files for missing media: files under `searchDirs` (walked `maxDepth` folders deep,
 * hidden folders skipped) whose name matches the missing file's name (case-insensitive).
 * @param names missing media paths or bare clip names (for clips without a path).
 * @returns for each input, the matching absolute paths (possibly none), in walk order.
 */
export async function findRelinkCandidates(
  names: string[],
  searchDirs: string[],
  opts: { maxDepth?: number; maxEntries?: number } = {},
): Promise<Record<string, string[]>> {
  const maxDepth = opts.maxDepth ?? 4;
  let budget = opts.maxEntries ?? 50_000;
  const wanted = new Map<string, string[]>();
  for (const n of names) {
    const key = baseName(n).toLowerCase();
    wanted.set(key, [...(wanted.get(key) ?? []), n]);
  }
  const result: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, [] as string[]]));
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > maxDepth || budget <= 0) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (--budget <= 0) return;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) await walk(full, depth + 1);
      } else if (e.isFile()) {
        const lower = e.name.toLowerCase();
        const bare = lower.replace(/\.[^.]+$/, '');
        for (const key of [lower, bare]) for (const n of wanted.get(key) ?? []) if (!result[n].includes(full)) result[n].push(full);
      }
    }
  };
  for (const d of searchDirs) await walk(d, 0);
  return result;
}

/**
 * The timeline with media paths replaced per `mapping` (old path -> new path). For clips without
 * a path, `mapping` may be keyed by clip name or reel. Source frames are unchanged.
 */
export function relinkMedia(timeline: NleTimeline, mapping: Record<string, string>): NleTimeline {
  const fix = (c: NleClip): NleClip => {
    const key = c.mediaPath ?? (mapping[c.name] !== undefined ? c.name : (c.reel ?? ''));
    const next = mapping[key];
    return next ? { ...c, mediaPath: next } : c;
  };
  return { ...timeline, tracks: timeline.tracks.map((t) => ({ ...t, clips: t.clips.map(fix) })) };
}
