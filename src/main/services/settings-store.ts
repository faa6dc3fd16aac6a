import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { DEFAULT_EDITOR_SETTINGS, editorSettingsSchema, type EditorSettings } from '../../shared/api/settings';
import { writeFileAtomic } from '../util/atomic';

/** File name of the per-machine editor settings inside the state folder. */
export const SETTINGS_FILE = 'settings.json';

/**
 * This machine's editor settings (the render farm), kept in `settings.json` in the app's state
 * folder (Electron: userData/state; the bridge: --state), not in projects. Written atomically
 * (temp file + rename); a missing or unreadable file reads as the defaults, with a log line for
 * an invalid one (it is replaced on the next save, never half-read).
 */
export class SettingsStore {
  private current: EditorSettings | null = null;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly stateDir: string,
    private readonly log: (m: string) => void = (m) => console.warn(m),
  ) {}

  /** Path of the settings file. */
  get file(): string {
    return path.join(this.stateDir, SETTINGS_FILE);
  }

  /** The stored settings (read once, then kept in memory). */
  async get(): Promise<EditorSettings> {
    if (this.current) return this.current;
    let raw: string;
    try {
      raw = await fsp.readFile(this.file, 'utf8');
    } catch {
      this.current = { ...DEFAULT_EDITOR_SETTINGS };
      return this.current;
    }
    try {
      this.current = editorSettingsSchema.parse(JSON.parse(raw));
    } catch (err) {
      this.log(`settings: ignoring ${this.file} (${(err as Error).message.split('\n')[0]}); using the defaults`);
      this.current = { ...DEFAULT_EDITOR_SETTINGS };
    }
    return this.current;
  }

  /** Validates and stores `next` (writes are serialized); returns the stored settings. */
  async set(next: EditorSettings): Promise<EditorSettings> {
    const parsed = editorSettingsSchema.parse(next);
    const write = this.writing.then(async () => {
      await fsp.mkdir(this.stateDir, { recursive: true });
      await writeFileAtomic(this.file, JSON.stringify(parsed, null, 2) + '\n');
    });
    this.writing = write.catch(() => undefined);
    await write;
    this.current = parsed;
    return parsed;
  }
}
