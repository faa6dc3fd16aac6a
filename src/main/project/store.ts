import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Project } from '../../shared/project/schema';
import { parseProjectText, ProjectFormatError } from '../../shared/project/migrate';
import { projectV2Schema } from '../../shared/project/schema';
import { removeQuietly, writeFileAtomic } from '../util/atomic';
import { UserError } from '../util/errors';
import { fromStoredPaths, toStoredPaths } from './paths';

/** Extension of project files. */
export const PROJECT_EXT = '.dubproj';

/** Where a project's autosave lives: a hidden file next to it. */
export function autosavePathFor(projectFile: string): string {
  return path.join(path.dirname(projectFile), `.${path.basename(projectFile)}.autosave`);
}

/** Backup of the previous saved version, written on every save. */
export function backupPathFor(projectFile: string): string {
  return `${projectFile}.bak`;
}

export interface MissingMedia {
  path: string;
  role: 'video' | 'track';
  id: string;
}

export interface OpenedProject {
  path: string;
  project: Project;
  fromVersion: number;
  restoredAutosave: boolean;
  autosavedAt: string | null;
  missing: MissingMedia[];
}

/** Media files of `project` that do not exist on disk. */
export async function findMissingMedia(project: Project): Promise<MissingMedia[]> {
  const checks: MissingMedia[] = [];
  if (project.video) checks.push({ path: project.video.path, role: 'video', id: 'video' });
  for (const t of project.tracks) checks.push({ path: t.path, role: 'track', id: t.id });
  const missing: MissingMedia[] = [];
  for (const c of checks) {
    const ok = await fsp.stat(c.path).then((s) => s.isFile()).catch(() => false);
    if (!ok) missing.push(c);
  }
  return missing;
}

interface AutosaveDoc {
  savedAt: string;
  /** Project file it belongs to (null: untitled). */
  projectPath: string | null;
  project: unknown;
}

/**
 * Reads, writes and autosaves project files. Saves and autosaves are atomic (temp file, fsync,
 * rename): a crash leaves either the old or the new file, never a torn one. Each save first keeps
 * the previous file as `<file>.bak`. Autosaves are debounced (`debounceMs`) and go to a hidden
 * file next to the project (`.<name>.autosave`), or to `<stateDir>/untitled.autosave` for an
 * untitled project; opening a project whose autosave is newer than the file restores the autosave.
 */
export class ProjectStore {
  private timers = new Map<string, { timer: NodeJS.Timeout; write: () => Promise<void> }>();
  private onWritten: (info: { path: string; savedAt: string }) => void = () => {};

  constructor(
    private readonly stateDir: string,
    private readonly debounceMs = 800,
  ) {}

  /** Called after each autosave write (the UI shows "autosaved"). */
  setAutosaveListener(fn: (info: { path: string; savedAt: string }) => void): void {
    this.onWritten = fn;
  }

  untitledAutosavePath(): string {
    return path.join(this.stateDir, 'untitled.autosave');
  }

  private autosaveTarget(projectPath: string | null): string {
    return projectPath ? autosavePathFor(projectPath) : this.untitledAutosavePath();
  }

  /**
   * Opens a project file (any known format version; migrated in memory).
   * @throws UserError E_NOT_FOUND, E_PROJECT_CORRUPT (with the reason and where a backup is).
   */
  async open(file: string): Promise<OpenedProject> {
    const abs = path.resolve(file);
    let text: string;
    try {
      text = await fsp.readFile(abs, 'utf8');
    } catch {
      throw new UserError('E_NOT_FOUND', `Cannot read the project ${abs}.`, 'Check that the file exists and is readable.');
    }
    let parsed: { project: Project; fromVersion: number };
    try {
      parsed = parseProjectText(text);
    } catch (err) {
      if (!(err instanceof ProjectFormatError)) throw err;
      const backup = backupPathFor(abs);
      const hasBackup = await fsp.access(backup).then(() => true).catch(() => false);
      throw new UserError(
        'E_PROJECT_CORRUPT',
        `${path.basename(abs)} cannot be opened: ${err.message}`,
        hasBackup ? `The previous version was kept as ${backup}; open that file instead.` : 'The file is damaged or is not a project of this editor. Nothing was changed.',
      );
    }
    let project = fromStoredPaths(parsed.project, abs);
    let restoredAutosave = false;
    let autosavedAt: string | null = null;
    const auto = await this.readAutosave(autosavePathFor(abs));
    if (auto) {
      const fileTime = (await fsp.stat(abs)).mtimeMs;
      if (Date.parse(auto.savedAt) > fileTime) {
        project = fromStoredPaths(auto.project, abs);
        restoredAutosave = true;
        autosavedAt = auto.savedAt;
      }
    }
    return { path: abs, project, fromVersion: parsed.fromVersion, restoredAutosave, autosavedAt, missing: await findMissingMedia(project) };
  }

  private async readAutosave(file: string): Promise<{ savedAt: string; project: Project } | null> {
    try {
      const doc = JSON.parse(await fsp.readFile(file, 'utf8')) as AutosaveDoc;
      const project = projectV2Schema.parse(doc.project);
      return { savedAt: doc.savedAt, project };
    } catch {
      return null;
    }
  }

  /**
   * Saves atomically, keeping the previous file as `<file>.bak`, and removes the autosave.
   * @throws UserError E_SAVE_FAILED naming the folder and the OS reason.
   */
  async save(file: string, project: Project): Promise<{ path: string; savedAt: string; backup: string | null }> {
    const abs = path.resolve(file);
    this.cancelAutosave(autosavePathFor(abs));
    const doc = toStoredPaths(projectV2Schema.parse(project), abs);
    let backup: string | null = null;
    try {
      await fsp.mkdir(path.dirname(abs), { recursive: true });
      if (await fsp.access(abs).then(() => true).catch(() => false)) {
        backup = backupPathFor(abs);
        await fsp.copyFile(abs, backup);
      }
      await writeFileAtomic(abs, `${JSON.stringify(doc, null, 2)}\n`);
    } catch (err) {
      throw new UserError('E_SAVE_FAILED', `Saving ${abs} failed: ${(err as Error).message}.`, 'Choose a folder you can write to; your edits are still open and autosaved.');
    }
    await removeQuietly(autosavePathFor(abs));
    return { path: abs, savedAt: new Date().toISOString(), backup };
  }

  /**
   * Schedules an autosave (debounced: the last call within `debounceMs` wins). With `flush` the
   * write happens now. Returns the path written when flushed.
   */
  async autosave(projectPath: string | null, project: Project, flush = false): Promise<string | null> {
    const target = this.autosaveTarget(projectPath ? path.resolve(projectPath) : null);
    const write = async () => {
      this.timers.delete(target);
      const savedAt = new Date().toISOString();
      const stored = projectPath ? toStoredPaths(project, projectPath) : project;
      const doc: AutosaveDoc = { savedAt, projectPath, project: stored };
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await writeFileAtomic(target, JSON.stringify(doc));
      this.onWritten({ path: target, savedAt });
    };
    this.cancelAutosave(target);
    if (flush) {
      await write();
      return target;
    }
    const timer = setTimeout(() => {
      write().catch(() => {
        // Autosave is best effort; the next edit schedules another attempt.
      });
    }, this.debounceMs);
    timer.unref?.();
    this.timers.set(target, { timer, write });
    return null;
  }

  private cancelAutosave(target: string): void {
    const t = this.timers.get(target);
    if (t) clearTimeout(t.timer);
    this.timers.delete(target);
  }

  /** Writes every pending autosave now (on quit). */
  async flushAll(): Promise<void> {
    const pending = [...this.timers.values()];
    for (const p of pending) clearTimeout(p.timer);
    await Promise.all(pending.map((p) => p.write().catch(() => {})));
  }

  /** The untitled project's autosave left by a crash, if any. */
  async recoverUntitled(): Promise<{ project: Project; autosavedAt: string } | null> {
    const auto = await this.readAutosave(this.untitledAutosavePath());
    return auto ? { project: auto.project, autosavedAt: auto.savedAt } : null;
  }

  async discardAutosave(projectPath: string | null): Promise<boolean> {
    const target = this.autosaveTarget(projectPath ? path.resolve(projectPath) : null);
    this.cancelAutosave(target);
    const existed = await fsp.access(target).then(() => true).catch(() => false);
    await removeQuietly(target);
    return existed;
  }
}
