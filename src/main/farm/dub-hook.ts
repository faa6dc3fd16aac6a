import path from 'node:path';
import type { DubJobOptions, RenderMissingRequest, SegmentSpec } from '../pipeline/api';
import { renderSegment } from '../pipeline/segment-render';
import { contentHash } from '../util/memo';
import { UserError } from '../util/errors';
import { PAYLOAD_VERSION, type RenderJobPayload } from './payload';
import { CACHE_ROOT, toRootPath, type Roots } from './roots';
import type { FarmClient, FarmRunOptions } from './client';

export interface FarmHookOptions {
  client: FarmClient;
  /** This machine's roots (the `cache` root must be the dub's cache folder). */
  roots: Roots;
  onProgress?: FarmRunOptions['onProgress'];
}

/** A segment spec as a payload segment (its pack folder relative to a root). */
function payloadSegment(roots: Roots, s: SegmentSpec): RenderJobPayload['segments'][number] {
  return {
    id: s.id, startFrame: s.startFrame, endFrame: s.endFrame, engine: s.engine as RenderJobPayload['segments'][number]['engine'], params: s.params,
    ...(s.reference ? { reference: { startFrame: s.reference.startFrame, endFrame: s.reference.endFrame } } : {}),
    ...(s.pack ? { pack: toRootPath(roots, s.pack, `model pack of ${s.id}`) } : {}),
    ...(s.occlusion ? { occlusion: { version: 1 as const, shapes: s.occlusion.shapes } } : {}),
  };
}

/**
 * The render-job payload of a dub's segments (`render`: the ids to render). `kind` `segment`
 * (the submitter prepared the clip) or `shot` (the worker tracks too).
 * @throws UserError E_FARM_PATH when a file is outside every root.
 */
export async function dubPayload(
  roots: Roots,
  o: Pick<DubJobOptions, 'video' | 'audio' | 'audioOffset' | 'face' | 'segments' | 'script' | 'language' | 'originalLanguage' | 'providers' | 'signal'>,
  render: string[],
  kind: RenderJobPayload['kind'],
  label: string,
  hashes?: { video: string; audio: string },
): Promise<RenderJobPayload> {
  return {
    v: PAYLOAD_VERSION,
    kind,
    label,
    video: toRootPath(roots, o.video, 'clip'),
    audio: toRootPath(roots, o.audio, 'dub'),
    audioOffset: o.audioOffset ?? 0,
    ...(o.face !== undefined ? { face: o.face } : {}),
    segments: o.segments.map((s) => payloadSegment(roots, s)),
    render,
    ...(o.script ? { script: o.script.map((c) => ({ text: c.text, ...(c.start !== undefined ? { start: c.start } : {}), ...(c.end !== undefined ? { end: c.end } : {}) })) } : {}),
    ...(o.language ? { language: o.language } : {}),
    ...(o.originalLanguage ? { originalLanguage: o.originalLanguage } : {}),
    ...(o.providers?.length ? { providers: o.providers } : {}),
    expect: hashes ?? { video: await contentHash(o.video, o.signal), audio: await contentHash(o.audio, o.signal) },
  };
}

/**
 * `DubJobOptions.renderMissing` for a farm: one job per missing segment (queued by capability,
 * deduplicated by content), progress per job and overall, cancel on the dub's signal; when every
 * job completed it checks that the renders are in this machine's cache.
 * @throws UserError E_FARM_CACHE_MISMATCH when a worker's render is not in this machine's cache
 *   (the `cache` roots are not the same shared folder), and FarmClient.run's errors.
 */
export function farmRenderMissing(f: FarmHookOptions): NonNullable<DubJobOptions['renderMissing']> {
  return async (req: RenderMissingRequest) => {
    const { job } = req;
    const cacheRoot = f.roots.get(CACHE_ROOT);
    if (!cacheRoot || path.resolve(cacheRoot) !== path.resolve(job.cacheDir)) {
      throw new UserError('E_FARM_ROOT', `The farm's "cache" root (${cacheRoot ?? 'not given'}) is not this dub's cache folder ${job.cacheDir}.`, 'Give --cache and --root cache=... the same shared folder (or only --cache).');
    }
    const hashes = { video: job.videoHash, audio: job.dubKey.slice(0, job.dubKey.lastIndexOf('@')) };
    const o = { ...req.options, segments: req.allSegments };
    const payloads = await Promise.all(req.segments.map((s) => dubPayload(f.roots, o, [s.id], 'segment', s.id, hashes)));
    await f.client.run(payloads, {
      signal: req.signal,
      onProgress: (p) => {
        req.onProgress(p.framesDone, p.framesTotal);
        f.onProgress?.(p);
      },
    });
    for (const s of req.segments) {
      const hit = await renderSegment(job, s, { lookupOnly: true, allSegments: req.allSegments, providers: req.options.providers, signal: req.signal });
      if (hit === 'miss') {
        throw new UserError(
          'E_FARM_CACHE_MISMATCH',
          `The farm rendered ${s.id}, but the render is not in this machine's cache ${job.cacheDir}.`,
          'Every worker\'s --root cache=... must be the same shared folder as this machine\'s cache, and run the same version of the pipeline (the render key includes it).',
        );
      }
    }
  };
}

/**
 * `RoundTripOptions.prerender` for a farm: one job per NLE shot (the worker tracks the shot into
 * the shared cache and renders its segments), progress per shot and overall, cancel on `signal`.
 * The round trip then exports each shot here from the cache.
 * @throws UserError E_FARM_PATH (media outside the roots) and FarmClient.run's errors.
 */
export function farmPrerenderShots(f: FarmHookOptions & { signal?: AbortSignal }) {
  return async (shots: Array<{ label: string; dub: DubJobOptions }>): Promise<void> => {
    const payloads = await Promise.all(shots.map((s) => dubPayload(f.roots, s.dub, s.dub.segments.map((g) => g.id), 'shot', s.label)));
    await f.client.run(payloads, { signal: f.signal, onProgress: f.onProgress });
  };
}
