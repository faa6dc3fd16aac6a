import { promises as fsp } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic';
import { UserError } from '../util/errors';
import { nleMarkerSchema, nleTimelineSchema, validateTimeline, type NleMarker, type NleTimeline } from './model';

/**
 * The two JSON files that travel between the editor and an NLE plugin (Resolve):
 *
 * - `*.dubtimeline.json` (`NleHandoff`): a timeline read from the NLE, for the editor to open as
 *   a project ("Dub current timeline").
 * - `*.sendback.json` (`SendBackManifest`): the exported dubbed shots with their record frames
 *   and marker per dubbed segment, for the plugin to place back ("Send back").
 *
 * Frames as in model.ts: record frames from the timeline's first frame at the timeline rate.
 */

export const HANDOFF_KIND = 'dubbing-editor/nle-timeline';
export const SENDBACK_KIND = 'dubbing-editor/send-back';

export const handoffSchema = z.object({
  kind: z.literal(HANDOFF_KIND),
  version: z.literal(1),
  /** Where it came from, e.g. "resolve". */
  source: z.string(),
  createdAt: z.string(),
  timeline: nleTimelineSchema,
  warnings: z.array(z.string()).default([]),
});
export type NleHandoff = z.infer<typeof handoffSchema>;

export const sendBackShotSchema = z
  .object({
    name: z.string(),
    /** Absolute path of the exported shot file (with handles). */
    mediaPath: z.string().min(1),
    /** Frames of the shot file to use: [sourceIn, sourceOut) from the file's first frame. */
    sourceIn: z.number().int().min(0),
    sourceOut: z.number().int().min(1),
    /** Where it goes: [recordIn, recordOut) from the timeline's first frame. */
    recordIn: z.number().int().min(0),
    recordOut: z.number().int().min(1),
    /** Which new track the shot goes on, counting the tracks this manifest adds from 1 (overlapping shots need several). */
    layer: z.number().int().min(1).default(1),
    /** Dubbed segments inside the shot, as timeline markers. */
    markers: z.array(nleMarkerSchema).default([]),
  })
  .refine((s) => s.sourceOut - s.sourceIn === s.recordOut - s.recordIn, { message: 'source and record lengths differ' });

export const sendBackSchema = z.object({
  kind: z.literal(SENDBACK_KIND),
  version: z.literal(1),
  timeline: z.object({
    name: z.string(),
    rate: z.object({ num: z.number().int().positive(), den: z.number().int().positive() }),
    dropFrame: z.boolean(),
    startTimecodeFrames: z.number().int().min(0),
  }),
  /** Name of the media-pool bin / track to create (default "Dubbed shots"). */
  binName: z.string().default('Dubbed shots'),
  shots: z.array(sendBackShotSchema).min(1),
});
export type SendBackManifest = z.infer<typeof sendBackSchema>;
export type SendBackShot = z.infer<typeof sendBackShotSchema>;

/** A handoff document for `timeline` (validated). */
export function makeHandoff(timeline: NleTimeline, source: string, warnings: string[] = [], now = new Date()): NleHandoff {
  return { kind: HANDOFF_KIND, version: 1, source, createdAt: now.toISOString(), timeline: validateTimeline(timeline), warnings };
}

/**
 * Send-back manifest for the clips of the named video tracks (the dubbed tracks of an exported
 * timeline, bottom first: the first is layer 1) and the timeline `markers` that fall on them.
 * @throws UserError `E_NLE_SENDBACK` when those tracks hold no clip with a media path.
 */
export function makeSendBack(timeline: NleTimeline, trackNames: string | string[], binName = 'Dubbed shots'): SendBackManifest {
  const names = typeof trackNames === 'string' ? [trackNames] : trackNames;
  const tracks = names.map((n) => timeline.tracks.find((t) => t.kind === 'video' && t.name === n));
  const markersIn = (a: number, b: number): NleMarker[] => timeline.markers.filter((m) => m.recordIn >= a && m.recordIn < b);
  const shots: SendBackShot[] = tracks.flatMap((track, i) =>
    (track?.clips ?? [])
      .filter((c) => c.mediaPath)
      .map((c) => ({
        name: c.name,
        mediaPath: c.mediaPath!,
        sourceIn: c.sourceIn,
        sourceOut: c.sourceOut,
        recordIn: c.recordIn,
        recordOut: c.recordOut,
        layer: i + 1,
        markers: markersIn(c.recordIn, c.recordOut),
      })),
  );
  if (shots.length === 0) {
    throw new UserError('E_NLE_SENDBACK', `The timeline has no clips with media on ${names.map((n) => `"${n}"`).join(', ')}.`, 'Export at least one dubbed shot first.');
  }
  return {
    kind: SENDBACK_KIND,
    version: 1,
    timeline: { name: timeline.name, rate: timeline.rate, dropFrame: timeline.dropFrame, startTimecodeFrames: timeline.startTimecodeFrames },
    binName,
    shots,
  };
}

function parseJsonFile<T>(text: string, schema: z.ZodType<T>, what: string, file: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError('E_NLE_HANDOFF', `"${file}" is not JSON (${(e as Error).message}).`, `Choose a ${what} file written by the dubbing editor.`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError('E_NLE_HANDOFF', `"${file}" is not a valid ${what}: ${issue.path.join('.')}: ${issue.message}.`, `Choose a ${what} file written by the dubbing editor.`);
  }
  return r.data;
}

/** Parses a `*.dubtimeline.json` text. @throws UserError `E_NLE_HANDOFF` when invalid. */
export function parseHandoff(text: string, file = 'timeline file'): NleHandoff {
  return parseJsonFile(text, handoffSchema, 'dub timeline', file);
}

/** Parses a `*.sendback.json` text. @throws UserError `E_NLE_HANDOFF` when invalid. */
export function parseSendBack(text: string, file = 'send-back file'): SendBackManifest {
  return parseJsonFile(text, sendBackSchema, 'send-back manifest', file);
}

/** Reads and validates a send-back manifest from disk. @throws UserError `E_NLE_HANDOFF`. */
export async function readSendBack(file: string): Promise<SendBackManifest> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new UserError('E_NLE_HANDOFF', `Cannot read "${file}": ${(e as Error).message}.`, 'Choose the .sendback.json file next to the exported shots.');
  }
  return parseSendBack(text, file);
}

/** Writes any handoff document as pretty JSON, atomically. */
export async function writeJsonAtomic(file: string, doc: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n');
}
