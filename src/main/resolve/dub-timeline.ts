import { UserError } from '../util/errors';
import { assembleTracks, type LooseClip } from '../nle/assemble';
import type { SendBackManifest } from '../nle/handoff';
import { validateTimeline, type NleClip, type NleTimeline } from '../nle/model';
import { dropFrameAllowed, formatRate, rateFromFloat, sameRate, type Rational } from '../nle/rate';
import { framesToTimecode, isTimecode, timecodeToFrames } from '../nle/timecode';
import type { MediaHandle, ResolveAdapter, ResolveItemInfo } from './adapter';
import { RESOLVE_MARKER_COLORS } from './api-types';

/**
 * The two plugin actions over a `ResolveAdapter`:
 * - `readCurrentTimeline`: Resolve's current timeline -> interchange model ("Dub current timeline").
 * - `sendBack`: exported dubbed shots -> media-pool bin, new video track(s) at their record
 *   frames, one marker per dubbed segment ("Send back").
 */

function rateOf(text: string, what: string): Rational {
  const n = Number.parseFloat(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UserError('E_RESOLVE_RATE', `Resolve reported the frame rate "${text}" for ${what}.`, 'Check the timeline / clip frame rate in Resolve.');
  }
  return rateFromFloat(n);
}

function clipFromItem(item: ResolveItemInfo, tlRate: Rational, tlStart: number, warnings: string[]): NleClip | null {
  const m = item.media;
  if (!m) {
    warnings.push(`"${item.name}" has no media file (title, generator or compound clip); left out.`);
    return null;
  }
  const mediaRate = m.fps ? rateOf(m.fps, `"${m.name}"`) : tlRate;
  if (!sameRate(mediaRate, tlRate)) {
    warnings.push(`"${item.name}" is ${formatRate(mediaRate)} fps in a ${formatRate(tlRate)} fps timeline; its source frames are read one-to-one with timeline frames.`);
  }
  const df = m.dropFrame ?? (m.startTimecode.includes(';') && dropFrameAllowed(mediaRate));
  const tcStart = m.startTimecode && isTimecode(m.startTimecode) ? timecodeToFrames(m.startTimecode, mediaRate, df && dropFrameAllowed(mediaRate)) : 0;
  const len = item.end - item.start;
  return {
    name: item.name || m.name,
    mediaPath: m.filePath,
    sourceIn: item.leftOffset,
    sourceOut: item.leftOffset + len,
    recordIn: item.start - tlStart,
    recordOut: item.end - tlStart,
    mediaRate,
    sourceTimecodeStart: tcStart,
    mediaDropFrame: df && dropFrameAllowed(mediaRate),
    ...(m.frames !== null && m.frames > 0 ? { mediaDuration: m.frames } : {}),
  };
}

/**
 * Reads the current Resolve timeline: every video and audio track, each item's file path,
 * source in/out (left offset + length), record in/out (relative to the timeline start) and the
 * media's rate and start timecode.
 * @throws UserError `E_RESOLVE_NO_PROJECT` / `E_RESOLVE_NO_TIMELINE` when nothing is open,
 *   `E_RESOLVE_RATE` for a rate Resolve reports that is not a frame rate, `E_NLE_INVALID` when
 *   the items overlap or have empty ranges.
 */
export async function readCurrentTimeline(adapter: ResolveAdapter): Promise<{ timeline: NleTimeline; warnings: string[] }> {
  const info = await adapter.currentTimeline();
  const rate = rateOf(info.frameRate, `timeline "${info.name}"`);
  const dropFrame = info.dropFrame && dropFrameAllowed(rate);
  const warnings: string[] = [];
  const startTc = isTimecode(info.startTimecode) ? timecodeToFrames(info.startTimecode, rate, dropFrame) : info.startFrame;
  if (startTc !== info.startFrame) {
    warnings.push(`Resolve reports start frame ${info.startFrame} but start timecode ${info.startTimecode} (${startTc}); record frames are counted from the start frame.`);
  }
  const loose: LooseClip[] = [];
  for (const [kind, count] of [['video', info.videoTrackCount], ['audio', info.audioTrackCount]] as const) {
    for (let i = 1; i <= count; i++) {
      for (const item of await adapter.trackItems(kind, i)) {
        if (item.end <= item.start) continue;
        const c = clipFromItem(item, rate, info.startFrame, warnings);
        if (c) loose.push({ kind, trackIndex: i, clip: c });
      }
    }
  }
  const trackNames: Record<string, string> = {};
  for (let i = 1; i <= info.videoTrackCount; i++) trackNames[`video:${i}`] = `V${i}`;
  for (let i = 1; i <= info.audioTrackCount; i++) trackNames[`audio:${i}`] = `A${i}`;
  const timeline: NleTimeline = {
    name: info.name,
    rate,
    dropFrame,
    startTimecodeFrames: startTc,
    tracks: assembleTracks(loose, warnings, trackNames),
    markers: [],
  };
  return { timeline: validateTimeline(timeline, `Resolve timeline "${info.name}"`), warnings };
}

/** Resolve's marker colour for a model colour word (default Green). */
export function resolveMarkerColor(color: string): string {
  const hit = RESOLVE_MARKER_COLORS.find((c) => c.toLowerCase() === color.toLowerCase());
  return hit ?? 'Green';
}

export interface SendBackResult {
  /** Video track index per layer (layer 1 first). */
  trackIndices: number[];
  /** Absolute start frame of each placed shot, in manifest order. */
  placed: number[];
  markersAdded: number;
  warnings: string[];
}

/**
 * Places exported dubbed shots back on the current Resolve timeline: imports the files into the
 * bin `manifest.binName` (`MediaPool.ImportMedia`), adds one new video track per layer above
 * the existing ones (`Timeline.AddTrack`), appends each shot at its record frame
 * (`MediaPool.AppendToTimeline` clipInfo `{mediaPoolItem, startFrame, endFrame, trackIndex,
 * recordFrame, mediaType: 1}`, recordFrame = timeline start frame + record in) and adds a marker
 * per dubbed segment (`Timeline.AddMarker`, frame relative to the timeline start, customData
 * `dubbing-editor:<shot>`).
 * @throws UserError `E_RESOLVE_RATE` when the current timeline's rate differs from the one the
 *   shots were cut for; the adapter's `E_RESOLVE_*` errors.
 */
export async function sendBack(adapter: ResolveAdapter, manifest: SendBackManifest): Promise<SendBackResult> {
  const info = await adapter.currentTimeline();
  const rate = rateOf(info.frameRate, `timeline "${info.name}"`);
  const want = manifest.timeline;
  if (!sameRate(rate, want.rate)) {
    throw new UserError(
      'E_RESOLVE_RATE',
      `The current timeline "${info.name}" runs at ${formatRate(rate)} fps, the dubbed shots at ${formatRate(want.rate)} fps.`,
      `Open the timeline "${want.name}" and send back again.`,
    );
  }
  const warnings: string[] = [];
  if (info.name !== want.name) warnings.push(`The shots were cut for "${want.name}" but the current timeline is "${info.name}".`);
  const dropFrame = info.dropFrame && dropFrameAllowed(rate);
  const startTc = isTimecode(info.startTimecode) ? timecodeToFrames(info.startTimecode, rate, dropFrame) : info.startFrame;
  if (startTc !== want.startTimecodeFrames) {
    warnings.push(
      `The timeline starts at ${info.startTimecode}, the shots were cut for a start at ${framesToTimecode(want.startTimecodeFrames, want.rate, want.dropFrame)}; shots are placed by frames from the start.`,
    );
  }

  const paths = [...new Set(manifest.shots.map((s) => s.mediaPath))];
  const handles = await adapter.importMedia(paths, manifest.binName);
  const byPath = new Map<string, MediaHandle>(paths.map((p, i) => [p, handles[i]]));

  const layers = Math.max(...manifest.shots.map((s) => s.layer));
  const trackIndices: number[] = [];
  for (let l = 1; l <= layers; l++) trackIndices.push(await adapter.addTrack('video'));

  const placed = await adapter.appendToTimeline(
    manifest.shots.map((s) => ({
      media: byPath.get(s.mediaPath)!,
      startFrame: s.sourceIn,
      endFrame: s.sourceOut,
      trackIndex: trackIndices[s.layer - 1],
      recordFrame: info.startFrame + s.recordIn,
      mediaType: 1 as const,
    })),
  );

  let markersAdded = 0;
  for (const s of manifest.shots) {
    for (const m of s.markers) {
      const ok = await adapter.addMarker(m.recordIn, resolveMarkerColor(m.color), m.name, m.note, m.duration, `dubbing-editor:${s.name}`);
      if (ok) markersAdded++;
      else warnings.push(`Resolve did not add the marker "${m.name}" at frame ${m.recordIn} (a marker may already be there).`);
    }
  }
  return { trackIndices, placed, markersAdded, warnings };
}
