import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { importTimeline, type ImportOptions } from '../nle/import';
import { listClips, type NleClip } from '../nle/model';
import { readWavInfo } from '../nle/wav';
import { placeStem } from '../nle/stem';
import { exportDubbedShots, type ShotToExport, type ExportDubbedResult } from '../nle/export';
import type { ShotCodec } from '../nle/media-export';
import type { Rational } from '../nle/rate';
import { probeMedia } from '../media/probe';
import { runDub } from './dub';
import type { DubJobOptions } from './api';
import { UserError, throwIfAborted } from '../util/errors';

export interface RoundTripOptions {
  /** NLE timeline: OTIO, FCP7 XML, FCPXML (.fcpxml / .fcpxmld) or CMX3600 EDL. */
  timeline: string;
  /** The dubbed dialogue stem (WAV/BWF), placed by its `bext` time reference or `stemTimecode`. */
  stem: string;
  stemTimecode?: string;
  outDir: string;
  codec?: ShotCodec;
  handles?: number;
  /** Which video track holds the shots to dub (1 = V1, default). */
  videoTrack?: number;
  import?: ImportOptions;
  engine?: string;
  params?: Record<string, number>;
  pack?: string;
  cacheDir?: string;
  signal?: AbortSignal;
  log?: (m: string) => void;
  /**
   * Renders every shot's segments elsewhere (a render farm: one job per shot, tracking included)
   * into the shared render cache before the shots are exported here, so the exports only read
   * the cache. Called once with every shot's dub options.
   */
  prerender?: (shots: Array<{ label: string; dub: DubJobOptions }>) => Promise<void>;
}

export interface RoundTripResult extends ExportDubbedResult {
  shots: Array<{ name: string; media: string; recordIn: number; recordOut: number; sourceIn: number; sourceOut: number }>;
  warnings: string[];
}

const fps = (r: Rational) => r.num / r.den;

/**
 * The NLE round trip, headless: imports the editor's timeline, places the dubbed stem by
 * timecode, dubs every shot of the chosen video track that the stem covers (the shot's media,
 * its source range plus handles, with the stem audio under it), then exports the dubbed shots
 * (ProRes 422 HQ or H.264, handles, source timecode) and a timeline with them on a new video
 * track above the original at the same record frames, in OTIO, FCP7 XML, FCPXML 1.10 and EDL.
 * @throws UserError E_NLE_MEDIA_MISSING (lists the missing files), E_NLE_NO_SHOTS, and the
 *   importer's, pipeline's and exporter's errors; CancelledError.
 */
export async function nleRoundTrip(o: RoundTripOptions): Promise<RoundTripResult> {
  const log = o.log ?? (() => {});
  const imp = await importTimeline(o.timeline, o.import);
  const warnings = [...imp.warnings];
  const tl = imp.timeline;
  const placement = placeStem(tl, await readWavInfo(o.stem), o.stemTimecode);
  const stemStart = placement.recordIn;
  const stemEnd = stemStart + placement.durationFrames;
  const wanted = o.videoTrack ?? 1;
  const clips = listClips(tl).filter((c) => c.trackKind === 'video' && c.trackIndex === wanted).map((c) => c.clip);
  const dubbed = clips.filter((c) => c.recordOut > stemStart && c.recordIn < stemEnd);
  if (dubbed.length === 0) {
    throw new UserError('E_NLE_NO_SHOTS', `No shot on V${wanted} of ${path.basename(o.timeline)} lies under the dialogue stem (timeline frames ${stemStart}-${stemEnd}).`, 'Check the stem timecode (--stem-tc) and the video track (--track).');
  }
  const missing = [...new Set(dubbed.filter((c) => !c.mediaPath).map((c) => c.name).concat(imp.missingMedia.filter((m) => dubbed.some((c) => c.mediaPath === m))))];
  if (missing.length) {
    throw new UserError('E_NLE_MEDIA_MISSING', `Media for ${missing.length} shot(s) is missing or unlinked: ${missing.join(', ')}.`, 'Relink the media in the editor (or put the files at the paths the timeline names) and try again.');
  }
  const handles = o.handles ?? 0;
  const renders = path.join(o.outDir, 'renders');
  await fsp.mkdir(renders, { recursive: true });
  const shots: ShotToExport[] = [];
  const report: RoundTripResult['shots'] = [];
  // First every shot's dub, then (optionally) all of them rendered elsewhere at once (a render
  // farm: one job per shot), then each shot exported here; without `prerender` each shot renders
  // in its own export as before.
  const planned: Array<{ clip: NleClip; first: number; dubFrom: number; dubTo: number; dub: DubJobOptions }> = [];
  for (const [k, clip] of dubbed.entries()) {
    throwIfAborted(o.signal);
    const media = clip.mediaPath!;
    const info = await probeMedia(media, { signal: o.signal });
    if (Math.abs(info.fps - fps(clip.mediaRate)) > 1e-3) warnings.push(`${clip.name}: the file is ${info.fps.toFixed(3)} fps, the timeline says ${fps(clip.mediaRate).toFixed(3)}.`);
    const first = Math.max(0, clip.sourceIn - handles);
    const last = Math.min(info.frameCount, clip.sourceOut + handles);
    // The stem on the media's own timeline: media frame sourceIn plays at record frame recordIn.
    const offsetSec = (clip.sourceIn - clip.recordIn + stemStart) / fps(clip.mediaRate);
    // Dub only the frames the stem covers inside the shot.
    const dubFrom = Math.max(clip.sourceIn, clip.sourceIn + (stemStart - clip.recordIn));
    const dubTo = Math.min(clip.sourceOut, clip.sourceIn + (stemEnd - clip.recordIn));
    const out = path.join(renders, `${String(k + 1).padStart(3, '0')}-${path.parse(media).name}.mkv`);
    planned.push({
      clip: clip as NleClip, first, dubFrom, dubTo,
      dub: {
        video: media,
        audio: o.stem,
        audioOffset: offsetSec,
        out,
        lossless: true,
        outputRange: { startFrame: first, endFrame: last },
        dubbedRange: { start: dubFrom / info.fps, end: dubTo / info.fps },
        segments: [{ id: `shot-${k + 1}`, startFrame: dubFrom, endFrame: dubTo, engine: o.engine ?? 'reference', params: o.params ?? {}, pack: o.pack }],
        cacheDir: o.cacheDir,
        signal: o.signal,
        log,
      },
    });
  }
  if (o.prerender) await o.prerender(planned.map((p, k) => ({ label: `shot ${k + 1} ${p.clip.name}`, dub: p.dub })));
  for (const [k, p] of planned.entries()) {
    throwIfAborted(o.signal);
    const { clip, first, dubFrom, dubTo } = p;
    log(`shot ${k + 1}/${dubbed.length}: ${clip.name} source ${clip.sourceIn}-${clip.sourceOut} -> record ${clip.recordIn}-${clip.recordOut}`);
    await runDub(p.dub);
    shots.push({
      originalClip: clip,
      render: p.dub.out,
      renderFirstSourceFrame: first,
      name: clip.name,
      segments: [{ name: 'dubbed', recordIn: clip.recordIn + (dubFrom - clip.sourceIn), recordOut: clip.recordIn + (dubTo - clip.sourceIn) }],
    });
    report.push({ name: clip.name, media: p.dub.out, recordIn: clip.recordIn, recordOut: clip.recordOut, sourceIn: clip.sourceIn, sourceOut: clip.sourceOut });
  }
  const res = await exportDubbedShots({ timeline: tl, shots, outDir: o.outDir, codec: o.codec ?? 'prores_hq', handles, signal: o.signal });
  return { ...res, shots: report, warnings };
}
