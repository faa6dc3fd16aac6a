import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { SegmentSpec } from '../pipeline/api';
import type { Project, Segment, Take } from '../../shared/project/schema';
import { segmentRenderSpec, segmentSpecKey } from '../../shared/project/render-key';
import { stableStringify } from '../../shared/hash';
import { writeFileAtomic } from '../util/atomic';
import { z } from 'zod';
import type { RenderRef } from '../pipeline/api';

/**
 * Content-addressed render cache. A take's key hashes the segment's render spec (range, engine,
 * parameters, reference, face, occlusion, media paths) together with the media files' size and
 * modification time and the pipeline's version, so an identical request is served from disk
 * instantly and any change (a slider, a re-exported source file) gives a new key. Files:
 * `<cacheDir>/takes/<key>.mp4` (the take) and `<key>.json` (its `Take` record and, from the real
 * pipeline, where its lossless render lies in the pipeline's render cache).
 */

/** Bump when the pipeline's output for the same inputs changes, to invalidate old takes. */
export const RENDER_CACHE_VERSION = 'r1';

export interface FileFingerprint {
  path: string;
  size: number;
  mtimeMs: number;
}

export async function fingerprint(file: string): Promise<FileFingerprint> {
  const st = await fsp.stat(file);
  return { path: path.resolve(file), size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
}

/** The cache key of a segment render (sha256 hex, 32 digits kept). */
export function renderCacheKey(project: Project, seg: Segment, media: FileFingerprint[], pipelineKind: string): string {
  const doc = { v: RENDER_CACHE_VERSION, pipeline: pipelineKind, spec: segmentRenderSpec(project, seg), media };
  return createHash('sha256').update(stableStringify(doc)).digest('hex').slice(0, 32);
}

export function takesDir(cacheDir: string): string {
  return path.join(cacheDir, 'takes');
}

export function takePath(cacheDir: string, key: string): string {
  return path.join(takesDir(cacheDir), `${key}.mp4`);
}

function takeMetaPath(cacheDir: string, key: string): string {
  return path.join(takesDir(cacheDir), `${key}.json`);
}

/** A cached take for `key`, or null when the video or its record is missing or unreadable. */
export async function readCachedTake(cacheDir: string, key: string): Promise<Take | null> {
  try {
    await fsp.access(takePath(cacheDir, key));
    const meta = JSON.parse(await fsp.readFile(takeMetaPath(cacheDir, key), 'utf8')) as { take?: Take };
    return meta.take ?? null;
  } catch {
    return null;
  }
}

export async function writeCachedTake(cacheDir: string, key: string, take: Take, render: RenderRef | null = null): Promise<void> {
  await writeFileAtomic(takeMetaPath(cacheDir, key), JSON.stringify({ take, render }, null, 1));
}

/**
 * The lossless render recorded with the take `key` (null when none was recorded or the record is
 * unreadable). The file itself may have been evicted since; the caller checks.
 */
export async function readTakeRender(cacheDir: string, key: string): Promise<RenderRef | null> {
  try {
    const meta = JSON.parse(await fsp.readFile(takeMetaPath(cacheDir, key), 'utf8')) as { render?: unknown };
    const r = renderRefSchema.safeParse(meta.render);
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

const rectSchema = z.object({ x: z.number().int(), y: z.number().int(), w: z.number().int().positive(), h: z.number().int().positive() });
const renderRefSchema = z.object({ file: z.string().min(1), startFrame: z.number().int().min(0), endFrame: z.number().int().min(1), rect: rectSchema, pasteRect: rectSchema });

/** The pipeline's view of a segment. */
export function toSegmentSpec(seg: Segment): SegmentSpec {
  return {
    id: seg.id,
    startFrame: seg.startFrame,
    endFrame: seg.endFrame,
    reference: seg.reference ? { startFrame: seg.reference.startFrame, endFrame: seg.reference.endFrame } : undefined,
    engine: seg.engine,
    params: { ...seg.params },
    pack: seg.pack,
    occlusion: seg.occlusion.shapes.length ? structuredClone(seg.occlusion) : undefined,
  };
}

export { segmentSpecKey };
