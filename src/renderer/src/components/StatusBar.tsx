import { useEditor } from '../state/store';

export function StatusBar() {
  const info = useEditor((s) => s.info);
  const connected = useEditor((s) => s.connected);
  const autosavedAt = useEditor((s) => s.autosavedAt);
  const jobs = useEditor((s) => s.jobs);
  const history = useEditor((s) => s.history);
  const active = Object.values(jobs).filter((j) => j.state === 'running' || j.state === 'queued');
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={connected ? 'ok' : 'warn'}>{connected ? (info?.mode === 'electron' ? 'Electron' : 'Bridge') : 'Disconnected: reconnecting…'}</span>
      {info && <span>pipeline: {info.pipeline}</span>}
      <span>{active.length ? `${active.length} job(s): ${active.map((j) => `${j.label} ${Math.round((j.progress?.fraction ?? 0) * 100)}%`).join(', ')}` : 'idle'}</span>
      <span data-testid="undo-depth">undo steps: {history.past.length}</span>
      <span className="spacer" />
      <span data-testid="autosave">{autosavedAt ? `autosaved ${new Date(autosavedAt).toLocaleTimeString()}` : ''}</span>
    </footer>
  );
}
