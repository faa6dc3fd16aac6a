import { dialog, type BrowserWindow } from 'electron';
import type { DialogProvider } from '../services/services';
import { FILE_KINDS } from '../services/file-browser';

const NAMES = { video: 'Video', audio: 'Audio', project: 'Dubbing project', any: 'All files' } as const;

/** Native open/save dialogs for the focused editor window. */
export function nativeDialogs(win: () => BrowserWindow | null): DialogProvider {
  return {
    async open(kind, title) {
      const exts = FILE_KINDS[kind];
      const w = win();
      const opts = {
        title: title ?? `Open ${NAMES[kind].toLowerCase()}`,
        properties: ['openFile' as const],
        filters: exts ? [{ name: NAMES[kind], extensions: exts.map((e) => e.slice(1)) }, { name: 'All files', extensions: ['*'] }] : [],
      };
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async save(kind, defaultName) {
      const w = win();
      const opts = {
        title: kind === 'project' ? 'Save project' : 'Export video',
        defaultPath: defaultName,
        filters: kind === 'project' ? [{ name: 'Dubbing project', extensions: ['dubproj'] }] : [{ name: 'Video', extensions: ['mp4', 'mov', 'mkv'] }],
      };
      const r = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
      return r.canceled ? null : (r.filePath ?? null);
    },
  };
}
