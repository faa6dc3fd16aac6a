/** The Missing media dialog: pointing the project at moved or deleted files. */
import { useState } from 'react';
import { pickFile, relink } from '../state/actions';
import { showError, useEditor, useProject, type Dialog } from '../state/store';
import { basename, dirname } from '../lib/paths';
import { Modal } from './Modal';

export function RelinkDialog({ d }: { d: Extract<Dialog, { kind: 'relink' }> }) {
  const api = useEditor((s) => s.api);
  const project = useProject();
  const [paths, setPaths] = useState<Record<string, string>>({});
  const stillMissing = d.missing.filter((m) => (m.role === 'video' ? project.video?.path === m.path : project.tracks.some((t) => t.path === m.path)));
  return (
    <Modal title="Missing media" onClose={() => useEditor.setState({ dialog: null })} testId="relink-dialog" wide>
      <p>These files were moved or deleted. Point the project at their new location; nothing else in the project is changed.</p>
      {stillMissing.length === 0 && <p className="ok-box">All media found.</p>}
      {stillMissing.map((m) => (
        <div key={m.path} className="relink-row">
          <div>
            <b>{m.role === 'video' ? 'Video' : 'Dub track'}</b> <code>{m.path}</code>
          </div>
          <div className="row">
            <input type="text" className="grow" placeholder="new path" value={paths[m.path] ?? ''} onChange={(e) => setPaths({ ...paths, [m.path]: e.target.value })} data-testid="relink-path" />
            <button
              onClick={async () => {
                const p = await pickFile('open', m.role === 'video' ? 'video' : 'audio', `Find ${basename(m.path)}`);
                if (p) setPaths((x) => ({ ...x, [m.path]: p }));
              }}
            >
              Browse…
            </button>
            <button disabled={!paths[m.path]} onClick={() => void relink(m.path, paths[m.path])} data-testid="relink-apply">
              Relink
            </button>
          </div>
        </div>
      ))}
      {stillMissing.length > 1 && (
        <button
          onClick={async () => {
            const first = paths[stillMissing[0].path];
            if (!first || !api) return;
            const { found } = await api.call('fs.findByName', { dir: dirname(first), names: stillMissing.map((m) => basename(m.path)) }).catch((e) => (showError(e), { found: {} as Record<string, string> }));
            for (const m of stillMissing) if (found[basename(m.path)]) await relink(m.path, found[basename(m.path)]);
          }}
        >
          Find the others in the same folder
        </button>
      )}
      <footer>
        <button onClick={() => useEditor.setState({ dialog: null })}>{stillMissing.length ? 'Later' : 'Done'}</button>
      </footer>
    </Modal>
  );
}
