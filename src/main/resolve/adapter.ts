/**
 * The one small interface between the dubbing workflow and DaVinci Resolve. `resolve-api.ts`
 * implements it over the real scripting objects; tests use the same implementation over
 * `test/helpers/fake-resolve.ts`. Frames follow Resolve: absolute record frames (86400 = 01:00:00:00 at 24),
 * media frames from the media's first frame, end frames exclusive.
 */

export interface ResolveTimelineInfo {
  name: string;
  /** Frame rate as Resolve reports it ("23.976", "24", "29.97", "59.94", ...). */
  frameRate: string;
  dropFrame: boolean;
  /** Absolute frame number of the timeline's first frame (GetStartFrame). */
  startFrame: number;
  /** Start timecode label (GetStartTimecode), e.g. "01:00:00:00". */
  startTimecode: string;
  videoTrackCount: number;
  audioTrackCount: number;
}

export interface ResolveMediaInfo {
  name: string;
  filePath: string;
  /** "FPS" clip property ("23.976"), '' when unknown. */
  fps: string;
  /** "Start TC" clip property, '' when unknown. */
  startTimecode: string;
  /** "Frames" clip property, null when unknown. */
  frames: number | null;
  /** "Drop frame" clip property, null when Resolve does not say. */
  dropFrame: boolean | null;
}

export interface ResolveItemInfo {
  name: string;
  /** Absolute record frames [start, end). */
  start: number;
  end: number;
  /** Media frames before the item's first frame (its source in). */
  leftOffset: number;
  /** The media behind the item; null for generators, titles, compound clips without a file. */
  media: ResolveMediaInfo | null;
}

/** A media-pool item the adapter imported; opaque to callers. */
export interface MediaHandle {
  readonly key: string;
  readonly filePath: string;
}

export interface AppendRequest {
  media: MediaHandle;
  /** Media frames [startFrame, endFrame) from the media's first frame. */
  startFrame: number;
  endFrame: number;
  /** 1-based video (or audio) track. */
  trackIndex: number;
  /** Absolute timeline frame for the first frame. */
  recordFrame: number;
  /** 1 video only, 2 audio only. */
  mediaType?: 1 | 2;
}

export interface ResolveAdapter {
  /** The current project's current timeline. @throws UserError `E_RESOLVE_NO_TIMELINE`. */
  currentTimeline(): Promise<ResolveTimelineInfo>;
  /** Items of one track of the current timeline, in record order. */
  trackItems(type: 'video' | 'audio', index: number): Promise<ResolveItemInfo[]>;
  /** Imports files into the media-pool bin `binName` (created under the root when missing); handles in the order of `paths`. */
  importMedia(paths: string[], binName: string): Promise<MediaHandle[]>;
  /** Adds a track at the top; returns its 1-based index. */
  addTrack(type: 'video' | 'audio'): Promise<number>;
  /** Places clips with `MediaPool.AppendToTimeline` clipInfos; returns the absolute start frame of each placed item. */
  appendToTimeline(requests: AppendRequest[]): Promise<number[]>;
  /** Adds a timeline marker at `frameId` frames from the timeline start; false when Resolve refuses (e.g. one exists there). */
  addMarker(frameId: number, color: string, name: string, note: string, duration: number, customData?: string): Promise<boolean>;
}
