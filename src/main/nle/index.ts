/**
 * NLE round trip (issue 6): import timelines from NLEs, export dubbed shots and timelines back.
 * See docs/nle.md. Units everywhere: whole frames; rates as exact rationals.
 */
export type { NleClip, NleMarker, NleTimeline, NleTrack, TrackKind, LocatedClip } from './model';
export { listClips, mediaPaths, rebaseSourceTimecode, timelineDuration, tracksOfKind, validateTimeline } from './model';
export type { Rational } from './rate';
export { formatRate, makeRate, parseRate, rateFromFloat, sameRate } from './rate';
export { framesToTimecode, timecodeToFrames } from './timecode';
export type { ImportOptions, ImportResult, NleFormat } from './import';
export { detectFormat, findRelinkCandidates, importTimeline, parseTimeline, relinkMedia } from './import';
export type { DubbedShot, DubSegmentMarker, ExportDubbedOptions, ExportDubbedResult, ShotToExport, TimelineFormat } from './export';
export { buildDubbedTimeline, exportDubbedShots, renderTimeline, writeTimelineFiles } from './export';
export type { ShotCodec, ShotMediaOptions, ShotMediaResult } from './media-export';
export { exportShotMedia } from './media-export';
export { readWavInfo } from './wav';
export type { WavInfo } from './wav';
export { addDialogueStem, placeStem } from './stem';
export type { StemPlacement } from './stem';
export { makeHandoff, makeSendBack, parseHandoff, parseSendBack, readSendBack } from './handoff';
export type { NleHandoff, SendBackManifest } from './handoff';
