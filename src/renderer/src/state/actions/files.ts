/** Asking the user for a file path (native dialog in Electron, the in-app browser in the bridge). */
import { useEditor, type FileKind } from '../store';
import { api } from './core';

/** Asks for a file: the native dialog in Electron, the in-app browser in the bridge. */
export async function pickFile(mode: 'open' | 'save', fileKind: FileKind | 'export', title: string, defaultName?: string): Promise<string | null> {
  const a = api();
  if (a.mode === 'electron') {
    const r =
      mode === 'open'
        ? await a.call('dialog.open', { kind: fileKind === 'export' ? 'any' : fileKind, title })
        : await a.call('dialog.save', { kind: fileKind === 'export' ? 'export' : 'project', defaultName });
    if (r.supported) return r.path;
  }
  return new Promise((resolve) => {
    useEditor.setState({
      fileDialog: {
        mode,
        fileKind,
        title,
        defaultName,
        resolve: (p) => {
          useEditor.setState({ fileDialog: null });
          resolve(p);
        },
      },
    });
  });
}
