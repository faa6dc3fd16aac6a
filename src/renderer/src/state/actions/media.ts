/** Loading a project's media data into the store: media info, waveform peaks and thumbnails. */
import { ApiError } from '../../../../shared/api/errors';
import type { Project } from '../../../../shared/project/schema';
import { getProject, useEditor } from '../store';
import { api } from './core';

export async function loadMediaData(project: Project): Promise<void> {
  const a = api();
  const jobs: Promise<unknown>[] = [];
  if (project.video) {
    const v = project.video;
    jobs.push(
      a.call('media.open', { path: v.path, kind: 'video' }).then((info) => setMedia(v.path, { info })).catch(() => {}),
      loadPeaks(v.path),
      a
        .call('media.thumbnails', { path: v.path, count: Math.min(40, Math.max(4, Math.round(v.duration * 4))), height: 48 })
        .then((thumbs) => useEditor.setState({ thumbs }))
        .catch(() => useEditor.setState({ thumbs: null })),
    );
  }
  for (const t of project.tracks) jobs.push(loadPeaks(t.path));
  await Promise.all(jobs);
}

export function setMedia(path: string, patch: Partial<import('../store').MediaEntry>): void {
  useEditor.setState((s) => ({ media: { ...s.media, [path]: { ...s.media[path], ...patch } } }));
}

export async function loadPeaks(path: string): Promise<void> {
  try {
    // Fine peaks (up to 1000 per second: a frame at 25 fps gets 40), fewer for long media so a
    // long clip stays a few MB of peaks.
    const duration = useEditor.getState().media[path]?.info?.duration ?? getProject().video?.duration ?? 60;
    const peaksPerSecond = Math.max(100, Math.min(1000, Math.round(2_000_000 / Math.max(1, duration))));
    const peaks = await api().call('media.peaks', { path, peaksPerSecond });
    setMedia(path, { peaks, peaksError: undefined });
  } catch (err) {
    setMedia(path, { peaksError: err instanceof ApiError ? err.toInfo() : { code: 'E_INTERNAL', message: String(err), hint: '' } });
  }
}
