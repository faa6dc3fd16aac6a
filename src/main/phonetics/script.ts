import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors';

/**
 * One piece of the dub's script. `start`/`end` (seconds on the dub file's own timeline) are set
 * for SRT cues; a plain text script is one cue without times (it spans the whole dub).
 */
export interface ScriptCue {
  text: string;
  start?: number;
  end?: number;
}

/** Parses an SRT timestamp `HH:MM:SS,mmm` (or `.mmm`) into seconds; NaN when malformed. */
export function parseSrtTime(s: string): number {
  const m = /^(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})$/.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4].padEnd(3, '0')) / 1000;
}

/**
 * Parses SubRip (SRT) text: blocks of an optional index line, `START --> END`, and text lines,
 * separated by blank lines. Markup (`<i>`, `{\an8}`) is removed; lines are joined with spaces.
 * @returns cues sorted by start (seconds).
 * @throws UserError E_SCRIPT when a timing line is malformed, a cue ends before it starts, or
 *   there is no cue.
 */
export function parseSrt(text: string): ScriptCue[] {
  const blocks = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  const cues: ScriptCue[] = [];
  for (const block of blocks) {
    const lines = block.split('\n').map((l) => l.trim()).filter(Boolean);
    const k = lines.findIndex((l) => l.includes('-->'));
    if (k < 0) continue;
    const [a, b] = lines[k].split('-->').map((x) => x.trim().split(/\s+/)[0]);
    const start = parseSrtTime(a);
    const end = parseSrtTime(b);
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) {
      throw new UserError('E_SCRIPT', `Bad SRT timing line "${lines[k]}".`, 'Use HH:MM:SS,mmm --> HH:MM:SS,mmm with the end after the start.');
    }
    const body = lines.slice(k + 1).join(' ').replace(/<[^>]*>|\{[^}]*\}/g, '').trim();
    if (body) cues.push({ text: body, start, end });
  }
  if (cues.length === 0) throw new UserError('E_SCRIPT', 'The SRT script has no cues with text.', 'Check the file, or pass a plain text script.');
  return cues.sort((x, y) => x.start! - y.start!);
}

/**
 * Reads a dub script: `.srt` files are parsed as SubRip cues; any other file is plain text
 * (UTF-8) spanning the whole dub.
 * @throws UserError E_NOT_FOUND when the file cannot be read; E_SCRIPT when it is empty or a
 *   malformed SRT.
 */
export async function loadScript(file: string): Promise<ScriptCue[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    throw new UserError('E_NOT_FOUND', `Cannot read the script ${file}.`, 'Check the path given to --script.');
  }
  if (path.extname(file).toLowerCase() === '.srt' || /^\s*\d*\s*\n?\s*\d+:\d+:\d+[,.]\d+\s*-->/.test(text.replace(/^\uFEFF/, ''))) return parseSrt(text);
  const t = text.replace(/^\uFEFF/, '').replace(/\s+/g, ' ').trim();
  if (!t) throw new UserError('E_SCRIPT', `The script ${file} is empty.`, 'Put the dub\'s dialogue in the file, or leave out --script.');
  return [{ text: t }];
}
