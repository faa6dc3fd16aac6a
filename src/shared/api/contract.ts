import { z } from 'zod';
import { engineDescriptionSchema } from '../engines';
import { dubScriptSchema, exportCodecSchema, projectV2Schema, takeSchema } from '../project/schema';
import { apiErrorSchema } from './errors';
import { qualityResultSchema } from './quality';
import { editorSettingsSchema } from './settings';

/**
 * The one API contract between the renderer and the services. Each channel has a zod request
 * schema (validated by the main-process handler registry and by the bridge server before any
 * service runs) and a zod response schema (the TypeScript types of the renderer's API come from
 * both). Events flow the other way (services -> renderer) and are listed in `eventSchemas`.
 *
 * Units: times in seconds, frames are 0-based frame indices, sizes in pixels, paths absolute.
 */

const absPath = z.string().min(1).max(4096);
const frameRange = z.object({ startFrame: z.number().int().min(0), endFrame: z.number().int().min(1) });
const fileKind = z.enum(['video', 'audio', 'project', 'any']);

export const mediaInfoSchema = z.object({
  path: absPath,
  kind: z.enum(['video', 'audio']),
  /** Seconds. */
  duration: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  fps: z.number(),
  frameCount: z.number().int(),
  codec: z.string(),
  hasAudio: z.boolean(),
  /** A browser-playable file to show instead of `path` (a proxy in the cache), or null when `path` plays. */
  previewPath: z.string().nullable(),
  warnings: z.array(z.string()),
});
export type MediaInfo = z.infer<typeof mediaInfoSchema>;

export const jobProgressSchema = z.object({
  stage: z.string(),
  done: z.number(),
  total: z.number(),
  /** Frames per second of the stage (0 when unknown). */
  fps: z.number(),
  /** Seconds left for the whole job (null when unknown). */
  etaSec: z.number().nullable(),
  /** 0..1 over the whole job. */
  fraction: z.number(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const renderResultSchema = z.object({ kind: z.literal('render'), segmentId: z.string(), take: takeSchema, path: absPath, cached: z.boolean() });
export const exportResultSchema = z.object({
  kind: z.literal('export'),
  path: absPath,
  /** What ffprobe sees in the written file. */
  probe: z.object({ codec: z.string(), pixelFormat: z.string(), width: z.number(), height: z.number(), frames: z.number(), duration: z.number(), audioCodec: z.string().nullable() }),
  readySegments: z.number().int(),
  /** Ready segments exported from their lossless renders (one lossy generation); the rest came from their takes. */
  losslessSegments: z.number().int(),
  /** Every segment that went out with the original frames, with why (stale take, never rendered, take file gone). */
  undubbed: z.array(z.object({ segmentId: z.string(), name: z.string(), reason: z.enum(['stale', 'none', 'missing']) })).default([]),
});
export const analysisResultSchema = z.object({
  kind: z.literal('analyze'),
  /** Face tracks with a box per sampled frame ([x, y, w, h] pixels), for picking the face on the preview. */
  faces: z.array(
    z.object({
      id: z.number().int(),
      frames: z.array(
        z.object({
          frame: z.number().int(),
          box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
          /** Bounding box of the coarse mouth/jaw mask on this frame (what the union mask is built from). */
          mouth: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
        }),
      ),
    }),
  ),
  /** Suggested occlusion outlines (hands in front of the mouth, frames with unreliable mouth landmarks). */
  occlusionSuggestions: z.array(z.object({ frame: z.number().int(), polygon: z.array(z.tuple([z.number(), z.number()])), reason: z.string() })),
  warnings: z.array(z.string()),
});
export const jobResultSchema = z.discriminatedUnion('kind', [renderResultSchema, exportResultSchema, analysisResultSchema, qualityResultSchema]);
export type JobResult = z.infer<typeof jobResultSchema>;

export const jobKindSchema = z.enum(['render', 'export', 'analyze', 'quality']);
export const jobStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export const jobSnapshotSchema = z.object({
  jobId: z.string(),
  kind: jobKindSchema,
  label: z.string(),
  segmentId: z.string().nullable(),
  state: jobStateSchema,
  progress: jobProgressSchema.nullable(),
  result: jobResultSchema.nullable(),
  error: apiErrorSchema.nullable(),
});
export type JobSnapshot = z.infer<typeof jobSnapshotSchema>;

export const referenceCandidateSchema = z.object({
  startFrame: z.number().int(),
  endFrame: z.number().int(),
  score: z.number(),
  /** Why it is suggested, e.g. "speech", "same face", "frontal", "unoccluded". */
  reasons: z.array(z.string()),
  /** Thumbnail image (absolute path in the cache; load it through the media URL). */
  thumbnail: z.string().nullable(),
});

const projectDoc = projectV2Schema;

const point = z.tuple([z.number(), z.number()]);
export const handSuggestionSchema = z.object({
  /** One shape: keyframes sorted by frame, each polygon with the same vertex count (pixels). */
  keyframes: z.array(z.object({ frame: z.number().int(), polygon: z.array(point).min(3) })).min(1),
  score: z.number(),
  reason: z.string(),
});
export type HandSuggestion = z.infer<typeof handSuggestionSchema>;

/** Where a dub's phone timing came from: its script (espeak-ng forced alignment), phone recognition (pocketsphinx, English), or neither. */
export const phoneSourceSchema = z.enum(['script', 'recognizer', 'none']);
export const labialSpanSchema = z.object({
  /** bilabial: p b m (the lips close); labiodental: f v (lower lip on the teeth). */
  kind: z.enum(['bilabial', 'labiodental']),
  /** Clip seconds. */
  start: z.number(),
  end: z.number(),
  /** The phones of the span, space-separated (IPA from a script, ARPAbet when recognized). */
  phones: z.string(),
});
export type LabialSpanWire = z.infer<typeof labialSpanSchema>;

/** Channel -> request/response schemas. */
export const contract = {
  'app.info': {
    request: z.object({}),
    response: z.object({
      mode: z.enum(['electron', 'bridge']),
      version: z.string(),
      platform: z.string(),
      cacheDir: z.string(),
      /** Folders the in-app file browser may show (bridge). */
      browseRoots: z.array(z.string()),
      /** Which pipeline runs jobs: the real one or the test double. */
      pipeline: z.enum(['real', 'fake']),
      testHooks: z.boolean(),
    }),
  },
  'fs.list': {
    request: z.object({ dir: absPath.optional(), kind: fileKind.default('any') }),
    response: z.object({
      dir: z.string(),
      parent: z.string().nullable(),
      roots: z.array(z.string()),
      entries: z.array(z.object({ name: z.string(), path: z.string(), kind: z.enum(['dir', 'file']), size: z.number() })),
    }),
  },
  'fs.findByName': {
    request: z.object({ dir: absPath, names: z.array(z.string().min(1)).max(64) }),
    response: z.object({ found: z.record(z.string(), z.string()) }),
  },
  'dialog.open': {
    request: z.object({ kind: fileKind, title: z.string().max(200).optional() }),
    /** `supported: false` in the bridge: the renderer shows its own file browser instead. */
    response: z.object({ supported: z.boolean(), path: z.string().nullable() }),
  },
  'dialog.save': {
    request: z.object({ kind: z.enum(['project', 'export']), defaultName: z.string().max(255).optional() }),
    response: z.object({ supported: z.boolean(), path: z.string().nullable() }),
  },
  'media.open': {
    request: z.object({ path: absPath, kind: z.enum(['video', 'audio']) }),
    response: mediaInfoSchema,
  },
  'media.peaks': {
    request: z.object({
      path: absPath,
      /** Peaks per second of audio (min/max pairs). */
      peaksPerSecond: z.number().int().min(10).max(1000).default(100),
    }),
    response: z.object({
      /** Interleaved [max, min] per bucket, in [-1, 1]. */
      peaks: z.array(z.number()),
      peaksPerSecond: z.number(),
      /** Seconds of audio. */
      duration: z.number(),
    }),
  },
  'media.thumbnails': {
    request: z.object({ path: absPath, count: z.number().int().min(1).max(200), height: z.number().int().min(16).max(360) }),
    response: z.object({ sprite: z.string(), count: z.number().int(), tileWidth: z.number().int(), tileHeight: z.number().int(), times: z.array(z.number()) }),
  },
  'media.frameImage': {
    request: z.object({ path: absPath, frame: z.number().int().min(0), height: z.number().int().min(16).max(720) }),
    response: z.object({ image: z.string() }),
  },
  'media.dubMix': {
    /**
     * The dubbed views' sound and picture in one file: the clip's (browser-playable) video stream
     * copied, with the unmuted dub tracks mixed at their offsets as its audio, cut to the video's
     * length. Cached by the inputs (a changed offset or mute gives a new file).
     */
    request: z.object({
      video: absPath,
      tracks: z.array(z.object({ path: absPath, offset: z.number().finite(), muted: z.boolean() })).max(32),
    }),
    response: z.object({ path: z.string() }),
  },
  'audio.speech': {
    request: z.object({ path: absPath, offset: z.number().finite() }),
    /** Speech ranges in clip seconds. */
    response: z.object({ ranges: z.array(z.object({ start: z.number(), end: z.number() })) }),
  },
  'engines.list': {
    request: z.object({}),
    response: z.object({ engines: z.array(engineDescriptionSchema), defaultEngine: z.string() }),
  },
  'engines.describe': {
    /** An engine's parameters for a model pack (folder with manifest.json, a .onnx, or an installed pack id). */
    request: z.object({ engine: z.string().min(1), pack: z.string().min(1).max(4096) }),
    response: engineDescriptionSchema,
  },
  'reference.suggest': {
    request: z.object({ project: projectDoc, segmentId: z.string(), max: z.number().int().min(1).max(12).default(4) }),
    response: z.object({ candidates: z.array(referenceCandidateSchema), warnings: z.array(z.string()) }),
  },
  'occlusion.suggestHands': {
    /**
     * Occluder suggestions from hands detected over a segment's frames (sampled: every 3rd frame,
     * at most ~40 frames) whose box overlaps the lower face of the segment's face track.
     */
    request: z.object({ project: projectDoc, segmentId: z.string().min(1) }),
    response: z.object({
      suggestions: z.array(handSuggestionSchema),
      /** Frames the hand detector ran on, and the hands it saw there (before the face filter). */
      sampledFrames: z.number().int(),
      handsSeen: z.number().int(),
      /** Lower-face rectangle the hands were tested against ([x, y, w, h] pixels), null when no face. */
      faceRect: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
      warnings: z.array(z.string()),
    }),
  },
  'script.import': {
    /**
     * Reads a dub script: `.srt` (SubRip cues, times on the dub file's timeline) or plain UTF-8
     * text (one cue spanning the track or the segment). The renderer stores it in the project.
     * @throws E_SCRIPT (empty, not text, malformed SRT, too large), E_NOT_FOUND, E_ACCESS.
     */
    request: z.object({ path: absPath }),
    response: z.object({ script: dubScriptSchema }),
  },
  'phonetics.get': {
    /**
     * Phone timing of a dub track (or of one segment of it) on the jobs host, cached by the
     * phonetic stage: the labial spans for the timeline's labial lane and, per segment on the
     * track, which timing it renders with (its own script, the track's script, recognized phones,
     * or audio features only) with the stage's note.
     */
    request: z.object({ project: projectDoc, trackId: z.string().min(1), segmentId: z.string().min(1).optional() }),
    response: z.object({
      trackId: z.string(),
      language: z.string(),
      source: phoneSourceSchema,
      /** The inspector's words for `source`, e.g. "script (espeak-ng alignment)". */
      label: z.string(),
      note: z.string(),
      spans: z.array(labialSpanSchema),
      segments: z.array(z.object({ segmentId: z.string(), source: phoneSourceSchema, label: z.string(), note: z.string(), origin: z.enum(['segment', 'track', 'none']) })),
    }),
  },
  'project.activate': {
    /** Tells the services which project is open: its media (and folder) become readable through media URLs. */
    request: z.object({ path: absPath.nullable(), project: projectDoc }),
    response: z.object({ missing: z.array(z.object({ path: z.string(), role: z.enum(['video', 'track']), id: z.string() })) }),
  },
  'project.open': {
    request: z.object({ path: absPath }),
    response: z.object({
      path: z.string(),
      project: projectDoc,
      fromVersion: z.number().int(),
      /** True when a newer autosave than the saved file was found and loaded instead. */
      restoredAutosave: z.boolean(),
      autosavedAt: z.string().nullable(),
      missing: z.array(z.object({ path: z.string(), role: z.enum(['video', 'track']), id: z.string() })),
    }),
  },
  'project.save': {
    request: z.object({ path: absPath, project: projectDoc }),
    response: z.object({ path: z.string(), savedAt: z.string(), backup: z.string().nullable() }),
  },
  'project.autosave': {
    /** Debounced on the service side; `path` null for an untitled project. */
    request: z.object({ path: absPath.nullable(), project: projectDoc, flush: z.boolean().default(false) }),
    response: z.object({ scheduled: z.boolean(), written: z.string().nullable() }),
  },
  'project.recover': {
    /** The autosave of an untitled project left by a crash, if any. */
    request: z.object({}),
    response: z.object({ project: projectDoc.nullable(), autosavedAt: z.string().nullable() }),
  },
  'project.discardAutosave': {
    request: z.object({ path: absPath.nullable() }),
    response: z.object({ removed: z.boolean() }),
  },
  'jobs.render': {
    request: z.object({ project: projectDoc, projectPath: absPath.nullable(), segmentId: z.string().min(1) }),
    response: z.object({ job: jobSnapshotSchema }),
  },
  'jobs.export': {
    request: z.object({ project: projectDoc, out: absPath, codec: exportCodecSchema, audio: z.array(z.string()) }),
    response: z.object({ job: jobSnapshotSchema }),
  },
  'jobs.analyze': {
    request: z.object({ project: projectDoc, range: frameRange.nullable() }),
    response: z.object({ job: jobSnapshotSchema }),
  },
  'jobs.qualityCheck': {
    /**
     * Quality check of a segment's take (the ready take, else the active one) against the
     * original over the segment's frames, a job on the jobs host (cancel with jobs.cancel): the
     * flagged frames with their reason, and the segment's face-limits verdict (`quality.ts`).
     */
    request: z.object({ project: projectDoc, segmentId: z.string().min(1) }),
    response: z.object({ job: jobSnapshotSchema }),
  },
  'jobs.cancel': {
    request: z.object({ jobId: z.string().min(1) }),
    response: z.object({ cancelled: z.boolean() }),
  },
  'jobs.list': {
    request: z.object({}),
    response: z.object({ jobs: z.array(jobSnapshotSchema) }),
  },
  'settings.get': {
    /** This machine's editor settings (`settings.ts`): the render farm "render all" targets. */
    request: z.object({}),
    response: editorSettingsSchema,
  },
  'settings.set': {
    /** Replaces this machine's editor settings (validated, written atomically); returns them as stored. */
    request: editorSettingsSchema,
    response: editorSettingsSchema,
  },
  'debug.crashHost': {
    /** Test hook (only with --test-hooks): kills the inference host to exercise crash recovery. */
    request: z.object({}),
    response: z.object({ crashed: z.boolean() }),
  },
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type RequestOf<C extends Channel> = z.input<Contract[C]['request']>;
export type ParsedRequestOf<C extends Channel> = z.output<Contract[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<Contract[C]['response']>;
export const channels = Object.keys(contract) as Channel[];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}

/** Events pushed from the services to every renderer. */
export const eventSchemas = {
  'job.update': jobSnapshotSchema,
  'host.restarted': z.object({ reason: z.string() }),
  /**
   * A composited crop of a segment being rendered (interactive preview, at most ~5 per second):
   * `image` is a PNG data URL of the crop, downscaled; draw it at `rect` (full-frame pixels).
   */
  'render.preview': z.object({
    jobId: z.string(),
    segmentId: z.string(),
    frame: z.number().int(),
    rect: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
    image: z.string(),
  }),
  'autosave.written': z.object({ path: z.string(), savedAt: z.string() }),
} as const;
export type EventName = keyof typeof eventSchemas;
export type EventPayload<E extends EventName> = z.output<(typeof eventSchemas)[E]>;

/** Every reply on the wire (IPC and bridge): a result or an error with message and hint. */
export type Reply<T> = { ok: true; result: T } | { ok: false; error: z.infer<typeof apiErrorSchema> };

/** The renderer-facing API: one typed call per channel plus event subscription. */
export interface Api {
  call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** URL under which the renderer may load a media file (media:// in Electron, HTTP in the bridge). */
  mediaUrl(path: string): string;
  readonly mode: 'electron' | 'bridge';
}
