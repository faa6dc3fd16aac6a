/** Exporting the dubbed video. */
import type { Project } from '../../../../shared/project/schema';
import { getProject, showError, useEditor } from '../store';
import { api, edit } from './core';
import { onJobUpdate } from './jobs';

export async function exportVideo(out: string, codec: Project['export']['codec'], audio: string[]): Promise<void> {
  edit((p) => (p.export.codec === codec && p.export.audio.join() === audio.join() ? p : { ...p, export: { codec, audio } }));
  try {
    const { job } = await api().call('jobs.export', { project: getProject(), out, codec, audio });
    useEditor.setState({ lastExport: null });
    onJobUpdate(job);
  } catch (err) {
    showError(err);
  }
}
