import { canRedo, canUndo } from '../../../shared/project/history';
import { addDubTrack, requestNewProject, openProject, openVideo, pickFile, redo, saveProject, undo } from '../state/actions';
import { isDirty, useEditor, useProject } from '../state/store';
import { basename } from '../lib/paths';

export function Toolbar() {
  const project = useProject();
  const history = useEditor((s) => s.history);
  const projectPath = useEditor((s) => s.projectPath);
  const dirty = useEditor(isDirty);
  const busy = useEditor((s) => s.busy);
  const recoveredAt = useEditor((s) => s.recoveredAt);
  return (
    <header className="toolbar" data-testid="toolbar">
      <span className="app-name">Dubbing Editor</span>
      <button onClick={requestNewProject} data-testid="new-project">
        New
      </button>
      <button onClick={() => void pickFile('open', 'project', 'Open project').then((p) => (p ? openProject(p) : undefined))} data-testid="open-project">
        Open project…
      </button>
      <button onClick={() => void saveProject()} data-testid="save" title="Ctrl/Cmd+S">
        Save
      </button>
      <button onClick={() => void saveProject(true)}>Save as…</button>
      <span className="sep" />
      <button onClick={() => void pickFile('open', 'video', 'Open video').then((p) => (p ? openVideo(p) : undefined))} data-testid="open-video">
        Open video…
      </button>
      <button disabled={!project.video} onClick={() => void pickFile('open', 'audio', 'Add dub track').then((p) => (p ? addDubTrack(p) : undefined))} data-testid="add-dub">
        Add dub track…
      </button>
      <span className="sep" />
      <button disabled={!canUndo(history)} onClick={undo} data-testid="undo" title="Ctrl/Cmd+Z">
        Undo
      </button>
      <button disabled={!canRedo(history)} onClick={redo} data-testid="redo" title="Ctrl/Cmd+Shift+Z">
        Redo
      </button>
      <span className="sep" />
      <button disabled={!project.video} onClick={() => useEditor.setState({ dialog: { kind: 'export' } })} data-testid="export">
        Export…
      </button>
      <button onClick={() => useEditor.setState({ dialog: { kind: 'settings' } })} data-testid="settings" title="This machine's settings: the render farm">
        Settings…
      </button>
      <button onClick={() => useEditor.setState({ dialog: { kind: 'help' } })} data-testid="help" title="?">
        Shortcuts
      </button>
      <span className="spacer" />
      {busy && <span className="busy">{busy}</span>}
      <span className="project-name" data-testid="project-name" title={projectPath ?? 'not saved yet'}>
        {projectPath ? basename(projectPath) : 'Untitled'}
        {dirty ? ' •' : ''}
        {recoveredAt ? ' (restored from autosave)' : ''}
      </span>
    </header>
  );
}
