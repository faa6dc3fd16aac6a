import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors';
import { isInside } from './media-access';

/** Extensions shown by the in-app file browser for each kind of file. */
export const FILE_KINDS: Record<'video' | 'audio' | 'project' | 'any', string[] | null> = {
  video: ['.mp4', '.mov', '.m4v', '.mkv', '.webm', '.avi', '.mxf'],
  audio: ['.wav', '.mp3', '.m4a', '.aac', '.flac', '.ogg', '.opus', '.mp4', '.mov'],
  project: ['.dubproj', '.json'],
  any: null,
};

export interface DirListing {
  dir: string;
  parent: string | null;
  roots: string[];
  entries: Array<{ name: string; path: string; kind: 'dir' | 'file'; size: number }>;
}

/**
 * Lists a folder for the bridge's file browser, only inside `roots` (the folders the bridge was
 * started with). Hidden entries are skipped; files are filtered by `kind`.
 * @throws UserError E_ACCESS outside the roots, E_NOT_FOUND for a missing folder.
 */
export async function listDirectory(dir: string | undefined, roots: string[], kind: keyof typeof FILE_KINDS): Promise<DirListing> {
  const target = path.resolve(dir ?? roots[0]);
  const root = roots.find((r) => isInside(target, path.resolve(r)));
  if (!root) throw new UserError('E_ACCESS', `${target} is outside the folders this editor may browse.`, `Choose a file under ${roots.join(' or ')}.`);
  let names: import('node:fs').Dirent[];
  try {
    names = await fsp.readdir(target, { withFileTypes: true });
  } catch {
    throw new UserError('E_NOT_FOUND', `Cannot read the folder ${target}.`, 'Check that it exists and is readable.');
  }
  const exts = FILE_KINDS[kind];
  const entries: DirListing['entries'] = [];
  for (const d of names) {
    if (d.name.startsWith('.')) continue;
    const full = path.join(target, d.name);
    let isDir = d.isDirectory();
    let size = 0;
    if (d.isSymbolicLink() || d.isFile()) {
      const st = await fsp.stat(full).catch(() => null);
      if (!st) continue;
      isDir = st.isDirectory();
      size = st.size;
    }
    if (!isDir && exts && !exts.includes(path.extname(d.name).toLowerCase())) continue;
    entries.push({ name: d.name, path: full, kind: isDir ? 'dir' : 'file', size });
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
  const parent = path.resolve(target) === path.resolve(root) ? null : path.dirname(target);
  return { dir: target, parent, roots, entries };
}

/** Looks for files named `names` directly in `dir` or one level below (relinking moved media). */
export async function findByName(dir: string, names: string[], roots: string[] | null): Promise<Record<string, string>> {
  const target = path.resolve(dir);
  if (roots && !roots.some((r) => isInside(target, path.resolve(r)))) {
    throw new UserError('E_ACCESS', `${target} is outside the folders this editor may browse.`, `Choose a folder under ${roots.join(' or ')}.`);
  }
  const found: Record<string, string> = {};
  const visit = async (d: string, depth: number) => {
    const list = await fsp.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of list) {
      if (e.isFile() && names.includes(e.name) && !found[e.name]) found[e.name] = path.join(d, e.name);
    }
    if (depth > 0) for (const e of list) if (e.isDirectory() && !e.name.startsWith('.')) await visit(path.join(d, e.name), depth - 1);
  };
  await visit(target, 1);
  return found;
}
