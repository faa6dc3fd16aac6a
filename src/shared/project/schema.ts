import { z } from 'zod';

/**
 * The project file: versioned JSON validated with zod. Frames are 0-based output frame indices,
 * times are seconds, image coordinates are pixels of the source video (origin top-left).
 * In memory every media path is absolute; on disk paths are relative to the project file
 * (the main process converts, see src/main/project/paths.ts).
 */

export const CURRENT_PROJECT_VERSION = 2;

const int0 = z.number().int().min(0);
const point = z.tuple([z.number().finite(), z.number().finite()]);

/** Occlusion mask, identical to `OcclusionMask` in src/main/masks/types.ts. */
export const occlusionMaskSchema = z.object({
  shapes: z.array(
    z.object({
      id: z.string().min(1),
      keyframes: z.array(z.object({ frame: int0, polygons: z.array(z.array(point).min(3)) })).min(1),
    }),
  ),
});

export const referenceSchema = z.object({
  startFrame: int0,
  endFrame: z.number().int().min(1),
  /** Who chose it: drawn by the user on the timeline, or an accepted suggestion. */
  source: z.enum(['user', 'suggested']),
  /** Rank of the accepted suggestion among the candidates shown (1 = best), so a take can name it. */
  candidate: z.number().int().min(1).optional(),
});

/** One render of a segment (a take). Its video lives in the render cache under `cacheKey`. */
export const takeSchema = z.object({
  id: z.string().min(1),
  /** Key of the segment settings it was rendered from (see render-key.ts). */
  specKey: z.string(),
  /** Content address in the render cache (inputs + engine + parameters + media fingerprints). */
  cacheKey: z.string(),
  createdAt: z.string(),
  engine: z.string(),
  params: z.record(z.string(), z.number()),
  /** Lip-habit reference range actually used (chosen automatically when the segment had none). */
  reference: z.object({ startFrame: int0, endFrame: z.number().int().min(1) }),
  referenceReason: z.string(),
  frames: int0,
  /** Wall-clock seconds the render took (0 for a cache hit). */
  renderSec: z.number().min(0),
  warnings: z.array(z.string()),
  /** Snapshot of the settings, restored when the take is made active again. */
  settings: z.object({
    face: int0.nullable(),
    reference: referenceSchema.nullable(),
    occlusion: occlusionMaskSchema,
    pack: z.string().optional(),
  }),
});

export const failureSchema = z.object({ specKey: z.string(), code: z.string(), message: z.string(), hint: z.string() });

/** One cue of a dub script: SRT cues carry times (seconds on the dub file's own timeline); a plain text is one cue without times. */
export const scriptCueSchema = z
  .object({ text: z.string().min(1), start: z.number().finite().min(0).optional(), end: z.number().finite().min(0).optional() })
  .refine((c) => (c.start === undefined) === (c.end === undefined) && (c.start === undefined || c.end! > c.start), { message: 'a cue has both start and end, with end after start, or neither' });

/**
 * The adapted dialogue of a dub track or of one segment, imported from a text or SRT file (its
 * content is kept in the project: the file may move). Drives forced alignment (espeak-ng) of the
 * dub's phones. A segment's plain text spans the segment; its SRT cues keep the file's times.
 */
export const dubScriptSchema = z.object({
  /** File name it was imported from (for display only). */
  name: z.string(),
  format: z.enum(['text', 'srt']),
  cues: z.array(scriptCueSchema).min(1),
  importedAt: z.string(),
});

export const segmentSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  startFrame: int0,
  endFrame: z.number().int().min(1),
  /** Dub track whose audio drives the lips. */
  trackId: z.string(),
  /** Face track index to dub; null = the largest face (pipeline default). */
  face: int0.nullable(),
  reference: referenceSchema.nullable(),
  engine: z.string().min(1),
  params: z.record(z.string(), z.number()),
  pack: z.string().optional(),
  occlusion: occlusionMaskSchema,
  takes: z.array(takeSchema),
  activeTakeId: z.string().nullable(),
  /** Last failed render, kept while the settings are unchanged. */
  failure: failureSchema.nullable(),
  /** This segment's own script (wins over its track's); absent: the track's script, if any. */
  script: dubScriptSchema.optional(),
});

/** A dubbed dialogue track placed at clip time `offset` seconds. */
export const trackSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  path: z.string().min(1),
  offset: z.number().finite(),
  muted: z.boolean(),
  /** Script of the whole track (absent: none; phones are then recognized, in English only). */
  script: dubScriptSchema.optional(),
  /** Language of the dub as an espeak-ng voice (`en-us`, `de`, `fr`, ...); absent: `en-us`. */
  language: z.string().min(1).max(40).regex(/^[A-Za-z0-9_+-]+$/).optional(),
});

/** A range that is never altered (cutaway, reaction shot). */
export const protectedRangeSchema = z.object({ id: z.string().min(1), label: z.string(), startFrame: int0, endFrame: z.number().int().min(1) });

export const videoRefSchema = z.object({
  path: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  fps: z.number().positive(),
  frameCount: z.number().int().positive(),
  /** Seconds. */
  duration: z.number().positive(),
  hasAudio: z.boolean(),
});

export const exportCodecSchema = z.enum(['h264', 'hevc', 'prores']);

export const projectV2Schema = z.object({
  version: z.literal(2),
  name: z.string(),
  createdAt: z.string(),
  video: videoRefSchema.nullable(),
  tracks: z.array(trackSchema),
  segments: z.array(segmentSchema),
  protectedRanges: z.array(protectedRangeSchema),
  export: z.object({
    codec: exportCodecSchema,
    /** Audio sources mixed into the export: `original` and/or dub track ids. */
    audio: z.array(z.string()),
  }),
});

export type Project = z.infer<typeof projectV2Schema>;
export type Segment = z.infer<typeof segmentSchema>;
export type Take = z.infer<typeof takeSchema>;
export type Track = z.infer<typeof trackSchema>;
export type ProtectedRange = z.infer<typeof protectedRangeSchema>;
export type VideoRef = z.infer<typeof videoRefSchema>;
export type OcclusionMaskDoc = z.infer<typeof occlusionMaskSchema>;
export type SegmentReference = z.infer<typeof referenceSchema>;
export type ExportCodec = z.infer<typeof exportCodecSchema>;
export type SegmentFailure = z.infer<typeof failureSchema>;
export type DubScript = z.infer<typeof dubScriptSchema>;
export type ScriptCueDoc = z.infer<typeof scriptCueSchema>;

/**
 * Version 1 (the first prototype): one video, one dub file, segments in seconds, no takes.
 * Kept only so old files can be migrated.
 */
export const projectV1Schema = z.object({
  version: z.literal(1),
  name: z.string().optional(),
  video: z
    .object({ path: z.string(), fps: z.number().positive(), width: z.number().int().positive(), height: z.number().int().positive(), duration: z.number().positive() })
    .nullable(),
  dub: z.string().nullable(),
  segments: z.array(
    z.object({ id: z.string(), start: z.number().min(0), end: z.number().positive(), engine: z.string(), params: z.record(z.string(), z.number()) }),
  ),
});
export type ProjectV1 = z.infer<typeof projectV1Schema>;

/** An empty project (no media yet). */
export function emptyProject(name = 'Untitled', now = new Date()): Project {
  return {
    version: 2,
    name,
    createdAt: now.toISOString(),
    video: null,
    tracks: [],
    segments: [],
    protectedRanges: [],
    export: { codec: 'h264', audio: ['original'] },
  };
}
