import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { UserError } from '../util/errors';

/**
 * Named media roots: the same shared storage is mounted at different paths on each machine
 * (`--root media=/mnt/show/media` here, `--root media=M:\show\media` there). Job payloads carry
 * paths relative to a root name, never absolute paths. The root named `cache` is the shared
 * render cache (tracking, features, renders); workers write only there.
 */
export type Roots = ReadonlyMap<string, string>;

/** A path relative to a named root, as it travels in a job payload (`/` separators). */
export interface RootPath {
  root: string;
  path: string;
}

/** The root every farm machine must map to the same shared render cache. */
export const CACHE_ROOT = 'cache';

/** Valid root names: a letter, then letters, digits, `_` or `-` (at most 32). */
export const ROOT_NAME = /^[A-Za-z][\w-]{0,31}$/;

/**
 * Parses repeated `--root NAME=PATH` flags into absolute paths (relative paths resolve against
 * the current folder).
 * @throws UserError E_ARGS for a malformed flag, a bad name or a name given twice.
 */
export function parseRootArgs(list: readonly string[] | undefined): Map<string, string> {
  const roots = new Map<string, string>();
  for (const kv of list ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(kv);
    if (!m || !ROOT_NAME.test(m[1])) throw new UserError('E_ARGS', `--root expects NAME=PATH with NAME like "media" or "show-1", got "${kv}".`, 'Example: --root media=/mnt/show/media --root cache=/mnt/show/cache');
    if (roots.has(m[1])) throw new UserError('E_ARGS', `--root ${m[1]} is given twice.`, 'Give each root name once.');
    roots.set(m[1], path.resolve(m[2]));
  }
  return roots;
}

/**
 * Expresses an absolute local path relative to the root that contains it (the deepest one).
 * @throws UserError E_FARM_PATH when no root contains `file` (a worker could not find it).
 */
export function toRootPath(roots: Roots, file: string, what: string): RootPath {
  const abs = path.resolve(file);
  let best: RootPath | null = null;
  let bestLen = -1;
  for (const [name, dir] of roots) {
    const rel = path.relative(dir, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    if (dir.length > bestLen) {
      best = { root: name, path: rel.split(path.sep).join('/') };
      bestLen = dir.length;
    }
  }
  if (!best) {
    throw new UserError(
      'E_FARM_PATH',
      `The ${what} ${file} is not inside any farm root (${[...roots].map(([n, d]) => `${n}=${d}`).join(', ') || 'none given'}).`,
      'Pass --root NAME=FOLDER for the shared folder that holds it; each worker maps the same NAME to where it sees that folder.',
    );
  }
  return best;
}

/**
 * Checks a payload path lexically: relative, `/`-separated, no `..`, no empty or `.` parts, no
 * drive letters, backslashes or NUL.
 * @throws UserError E_FARM_PATH.
 */
export function checkRelativePath(p: string): string[] {
  const parts = p.split('/');
  const bad = p.length === 0 || p.startsWith('/') || /[\\\0]/.test(p) || /^[A-Za-z]:/.test(p) || parts.some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new UserError('E_FARM_PATH', `The job names the path "${p}", which is not a plain path inside a root.`, 'Payload paths are relative to a root, without "..", absolute parts or backslashes.');
  return parts;
}

/**
 * Resolves a payload path on this machine: the root must be mapped here, the path must pass
 * `checkRelativePath`, and the file's real path (symbolic links resolved) must stay inside the
 * root's real path, so a job can never make a worker read outside its roots.
 * @returns the absolute path.
 * @throws UserError E_FARM_ROOT (root not mapped here), E_FARM_PATH (escape), E_NOT_FOUND (missing).
 */
export async function resolveRootPath(roots: Roots, ref: RootPath, what: string): Promise<string> {
  const dir = roots.get(ref.root);
  if (!dir) throw new UserError('E_FARM_ROOT', `The ${what} is in root "${ref.root}", which this worker does not map.`, `Start the worker with --root ${ref.root}=PATH (where this machine sees that shared folder).`);
  const abs = path.join(dir, ...checkRelativePath(ref.path));
  let real: string, realRoot: string;
  try {
    realRoot = await fsp.realpath(dir);
  } catch {
    throw new UserError('E_NOT_FOUND', `The root ${ref.root}=${dir} does not exist on this worker.`, `Check --root ${ref.root}=... on the worker.`);
  }
  try {
    real = await fsp.realpath(abs);
  } catch {
    throw new UserError('E_NOT_FOUND', `The ${what} ${ref.root}:${ref.path} is not on this worker (looked for ${abs}).`, `Check that --root ${ref.root}=... on the worker points at the same shared folder as on the submitting machine.`);
  }
  const rel = path.relative(realRoot, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new UserError('E_FARM_PATH', `The ${what} ${ref.root}:${ref.path} leads outside its root (a link to ${real}).`, 'Keep the media inside the shared root.');
  }
  return real;
}
