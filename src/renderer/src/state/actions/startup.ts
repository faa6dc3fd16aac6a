/** Start-up: wires the API's events into the store, loads the app info, settings and any autosaved project. */
import type { Api } from '../../../../shared/api/contract';
import { playback } from '../playback';
import { showError, toast, useEditor } from '../store';
import { onJobUpdate } from './jobs';
import { loadProject } from './project';
import { loadSettings } from './settings';

export async function init(a: Api): Promise<void> {
  useEditor.setState({ api: a });
  a.on('job.update', onJobUpdate);
  a.on('render.preview', (p) => {
    // Only while the job is still in flight (a late event must not resurrect a finished preview).
    if (!useEditor.getState().pendingRenders[p.jobId]) return;
    useEditor.setState((s) => ({ renderPreviews: { ...s.renderPreviews, [p.jobId]: p } }));
  });
  a.on('host.restarted', (e) => toast('error', e.reason, 'Jobs that were running were marked as failed; start them again.', 'E_HOST_CRASHED'));
  a.on('autosave.written', (e) => useEditor.setState({ autosavedAt: e.savedAt }));
  (a.on as (event: string, fn: (ok: unknown) => void) => () => void)('connection', (ok) => useEditor.setState({ connected: ok === true }));
  playback.subscribe((frame, playing) => useEditor.setState({ frame, playing }));
  try {
    const [info, engines] = await Promise.all([a.call('app.info', {}), a.call('engines.list', {})]);
    useEditor.setState({ info, engines: engines.engines, defaultEngine: engines.defaultEngine });
    await loadSettings();
    const rec = await a.call('project.recover', {});
    if (rec.project) {
      await loadProject(rec.project, null, null);
      useEditor.setState({ recoveredAt: rec.autosavedAt, savedProject: null });
      toast('info', `Restored the unsaved project autosaved at ${new Date(rec.autosavedAt ?? '').toLocaleTimeString()}.`);
    }
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ ready: true });
  }
}
