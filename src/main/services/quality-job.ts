import { promises as fsp } from 'node:fs';
import type { JobResult, JobSnapshot } from '../../shared/api/contract';
import { segmentName } from '../../shared/project/names';
import { readyTake } from '../../shared/project/render-key';
import type { Project } from '../../shared/project/schema';
import { UserError } from '../util/errors';
import type { HostCaller } from './host/supervisor';
import type { JobQueue } from './jobs';
import { takePath } from './render-cache';

/**
 * `jobs.qualityCheck`: queues the quality check of a segment's take (the ready take, else the
 * active one) on the jobs host. One check per take runs at a time: asking again while one is
 * queued or running answers that job.
 * @throws UserError E_NO_VIDEO, E_NOT_FOUND (segment, video or take file gone), E_NO_TAKE.
 */
export async function submitQualityCheck(deps: { queue: JobQueue; jobsHost: HostCaller; cacheDir: string }, project: Project, segmentId: string): Promise<JobSnapshot> {
  const video = project.video;
  if (!video) throw new UserError('E_NO_VIDEO', 'The project has no video.', 'Open a video first.');
  const seg = project.segments.find((s) => s.id === segmentId);
  if (!seg) throw new UserError('E_NOT_FOUND', 'That segment no longer exists.', 'Select a segment on the timeline.');
  const take = readyTake(project, seg) ?? seg.takes.find((t) => t.id === seg.activeTakeId) ?? null;
  if (!take) throw new UserError('E_NO_TAKE', `${segmentName(project, seg)} has no take to check.`, 'Render the segment first.');
  const file = takePath(deps.cacheDir, take.cacheKey);
  for (const [p, role] of [[video.path, 'video'], [file, 'take']] as const) {
    const ok = await fsp.stat(p).then((s) => s.isFile(), () => false);
    if (!ok) throw new UserError('E_NOT_FOUND', `The ${role} ${p} is missing.`, role === 'take' ? 'Render the segment again.' : 'Relink it (File > Relink media) or put it back, then try again.');
  }
  const dedupeKey = `quality:${take.cacheKey}:${seg.startFrame}-${seg.endFrame}:${seg.face ?? ''}`;
  const same = deps.queue.findActive(dedupeKey);
  if (same) return same;
  return deps.queue.submit({
    kind: 'quality',
    label: `Quality check ${segmentName(project, seg)} (frames ${seg.startFrame}-${seg.endFrame})`,
    segmentId: seg.id,
    dedupeKey,
    weights: { track: 0.6, render: 0.4 },
    run: async ({ signal, progress }): Promise<JobResult> => {
      const r = await deps.jobsHost.call(
        'qualityCheck',
        { video: video.path, take: file, range: { startFrame: seg.startFrame, endFrame: seg.endFrame }, face: seg.face, cacheDir: deps.cacheDir },
        { signal, onProgress: progress },
      );
      return { kind: 'quality', segmentId: seg.id, takeId: take.id, ...r };
    },
  });
}
