import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ENGINE_IDS } from '../engines/registry';
import { occlusionMaskSchema } from '../masks/occlusion';
import { ROOT_NAME } from './roots';

/**
 * The farm's job payload: the same segment specs the local render uses, validated with zod on
 * both ends, with every file named relative to a root. A payload never names a program or a
 * command: a worker runs only `prepareJob` + `renderSegment` of this pipeline on it.
 */

/** Payload format version; a worker rejects other versions. */
export const PAYLOAD_VERSION = 1;

const rootPathSchema = z.strictObject({
  root: z.string().regex(ROOT_NAME),
  path: z.string().min(1).max(4096),
});

const hex = z.string().regex(/^[0-9a-f]{16,128}$/);
const frame = z.number().int().min(0).max(100_000_000);

const segmentSchema = z.strictObject({
  id: z.string().min(1).max(200),
  startFrame: frame,
  endFrame: frame,
  reference: z.strictObject({ startFrame: frame, endFrame: frame }).optional(),
  engine: z.enum(ENGINE_IDS),
  params: z.record(z.string().regex(/^[A-Za-z]\w{0,63}$/), z.number().finite()),
  pack: rootPathSchema.optional(),
  occlusion: occlusionMaskSchema.optional(),
});

/** Zod schema of a render job (see `RenderJobPayload`). */
export const renderJobSchema = z.strictObject({
  v: z.literal(PAYLOAD_VERSION),
  /** `segment`: render the listed segments of a prepared clip; `shot`: a whole NLE shot (tracking included). */
  kind: z.enum(['segment', 'shot']),
  /** For progress lines: "seg-2", "shot 12 A012C003". */
  label: z.string().min(1).max(300),
  video: rootPathSchema,
  audio: rootPathSchema,
  /** Clip time (seconds) of the dub's first sample. */
  audioOffset: z.number().finite(),
  face: z.number().int().min(0).max(64).optional(),
  /** Every segment of the job (automatic references and reference facts depend on all of them). */
  segments: z.array(segmentSchema).min(1).max(20_000),
  /** Ids of the segments this job renders. */
  render: z.array(z.string().min(1).max(200)).min(1).max(20_000),
  script: z.array(z.strictObject({ text: z.string().max(1_000_000), start: z.number().finite().optional(), end: z.number().finite().optional() })).max(100_000).optional(),
  language: z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/).optional(),
  originalLanguage: z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/).optional(),
  /** ONNX Runtime execution providers for the neural engines, in order. */
  providers: z.array(z.string().regex(/^[a-z][a-z0-9]{0,15}$/)).max(8).optional(),
  /** Content hashes (sha256) of the clip and the dub as the submitter read them. */
  expect: z.strictObject({ video: hex, audio: hex }),
}).superRefine((p, ctx) => {
  for (const s of p.segments) {
    if (s.endFrame <= s.startFrame) ctx.addIssue({ code: 'custom', message: `segment ${s.id}: endFrame must be after startFrame` });
  }
  const ids = new Set(p.segments.map((s) => s.id));
  for (const r of p.render) if (!ids.has(r)) ctx.addIssue({ code: 'custom', message: `render names ${r}, which is not among the segments` });
});

/** A validated render job. */
export type RenderJobPayload = z.infer<typeof renderJobSchema>;

/** What a worker returns for a job (BullMQ's return value). */
export interface RenderJobResult {
  worker: string;
  /** Per rendered segment: its render-cache key and file relative to the `cache` root, or why it was skipped. */
  renders: Array<{ id: string; key: string; file: string; cached: boolean } | { id: string; skipped: string }>;
  /** Seconds spent preparing (probe, hashes, audio, tracking lookup) and rendering on the worker. */
  prepareSec: number;
  renderSec: number;
  /** Frames rendered (not found in the cache). */
  frames: number;
}

/**
 * Validates a payload.
 * @throws Error with every zod issue on one line (the worker turns it into a failed job, never retried).
 */
export function parseRenderJob(data: unknown): RenderJobPayload {
  const r = renderJobSchema.safeParse(data);
  if (!r.success) throw new Error(`invalid job payload: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Frames a job renders (sum of its render segments' lengths). */
export function jobFrames(p: RenderJobPayload): number {
  const want = new Set(p.render);
  return p.segments.filter((s) => want.has(s.id)).reduce((n, s) => n + s.endFrame - s.startFrame, 0);
}

/**
 * Deterministic job id: a hash of everything that changes the render (the media's content
 * hashes, the segments, engine settings) and of the root paths, so the same render submitted
 * twice (two submitters, a retry after a crash) is one BullMQ job. `r-` + 32 hex digits.
 */
export function jobIdFor(p: RenderJobPayload): string {
  const { label: _label, ...rest } = p;
  const material = JSON.stringify(rest, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
  return 'r-' + createHash('sha256').update(material).digest('hex').slice(0, 32);
}
