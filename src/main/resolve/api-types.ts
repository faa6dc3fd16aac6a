/**
 * Structural types for the parts of DaVinci Resolve's scripting API that the plugin uses, as
 * documented in Resolve's "Developer/Scripting/README.txt" and the Workflow Integration README
 * (the JavaScript API mirrors the Python one). Every method may return its value directly (older
 * Resolve versions) or a Promise (newer Workflow Integration builds), so callers always `await`.
 *
 * Frame conventions (Resolve 19/20, confirmed by users' read-back measurements; the README does
 * not spell them out):
 * - `Timeline.GetStartFrame()`, `TimelineItem.GetStart()/GetEnd()` and the clipInfo
 *   `recordFrame` of `MediaPool.AppendToTimeline` are absolute timeline frames (86400 for
 *   01:00:00:00 at 24 fps); `GetEnd()` is exclusive.
 * - `Timeline.AddMarker(frameId, ...)` takes a frame relative to the timeline start.
 * - clipInfo `startFrame` / `endFrame` are frames of the media from its first frame;
 *   `endFrame` is exclusive (Resolve 19+).
 * - `TimelineItem.GetLeftOffset()` is the number of media frames before the item's first frame.
 */

export type MaybePromise<T> = T | Promise<T>;

export type ResolveTrackType = 'video' | 'audio' | 'subtitle';

export interface ResolveApi {
  GetProjectManager(): MaybePromise<ProjectManagerApi | null>;
}

export interface ProjectManagerApi {
  GetCurrentProject(): MaybePromise<ProjectApi | null>;
}

export interface ProjectApi {
  GetName(): MaybePromise<string>;
  GetMediaPool(): MaybePromise<MediaPoolApi | null>;
  GetCurrentTimeline(): MaybePromise<TimelineApi | null>;
}

/** One entry of `MediaPool.AppendToTimeline([{clipInfo}, ...])`. */
export interface ClipInfoApi {
  mediaPoolItem: MediaPoolItemApi;
  startFrame: number;
  endFrame: number;
  /** 1 - video only, 2 - audio only. */
  mediaType?: 1 | 2;
  trackIndex: number;
  recordFrame: number;
}

export interface MediaPoolApi {
  GetRootFolder(): MaybePromise<FolderApi>;
  GetCurrentFolder(): MaybePromise<FolderApi>;
  SetCurrentFolder(folder: FolderApi): MaybePromise<boolean>;
  AddSubFolder(folder: FolderApi, name: string): MaybePromise<FolderApi | null>;
  ImportMedia(paths: string[]): MaybePromise<MediaPoolItemApi[] | null>;
  AppendToTimeline(clipInfos: ClipInfoApi[]): MaybePromise<TimelineItemApi[] | null>;
}

export interface FolderApi {
  GetName(): MaybePromise<string>;
  GetClipList(): MaybePromise<MediaPoolItemApi[]>;
  GetSubFolderList(): MaybePromise<FolderApi[]>;
}

export interface MediaPoolItemApi {
  GetName(): MaybePromise<string>;
  /** With a key: that property as a string ("File Path", "FPS", "Start TC", "Frames", "Drop frame"). */
  GetClipProperty(propertyName: string): MaybePromise<string>;
}

export interface TimelineApi {
  GetName(): MaybePromise<string>;
  GetStartFrame(): MaybePromise<number>;
  GetEndFrame(): MaybePromise<number>;
  GetStartTimecode(): MaybePromise<string>;
  /** "timelineFrameRate" ("23.976", "24", "29.97", ...), "timelineDropFrameTimecode" ("0" / "1"). */
  GetSetting(settingName: string): MaybePromise<string>;
  GetTrackCount(trackType: ResolveTrackType): MaybePromise<number>;
  GetItemListInTrack(trackType: ResolveTrackType, index: number): MaybePromise<TimelineItemApi[] | null>;
  AddTrack(trackType: ResolveTrackType, optionalSubTrackType?: string): MaybePromise<boolean>;
  AddMarker(frameId: number, color: string, name: string, note: string, duration: number, customData?: string): MaybePromise<boolean>;
}

export interface TimelineItemApi {
  GetName(): MaybePromise<string>;
  GetStart(): MaybePromise<number>;
  GetEnd(): MaybePromise<number>;
  GetDuration(): MaybePromise<number>;
  GetLeftOffset(): MaybePromise<number>;
  GetMediaPoolItem(): MaybePromise<MediaPoolItemApi | null>;
}

/** The `WorkflowIntegration.node` module (Workflow Integration README). */
export interface WorkflowIntegrationModule {
  Initialize(pluginId: string): boolean;
  GetResolve(): ResolveApi | Promise<ResolveApi>;
  CleanUp(): boolean;
  SetAPITimeout?(valueInSecs: number): boolean;
}

/** Resolve's marker colours. */
export const RESOLVE_MARKER_COLORS = [
  'Blue', 'Cyan', 'Green', 'Yellow', 'Red', 'Pink', 'Purple', 'Fuchsia',
  'Rose', 'Lavender', 'Sky', 'Mint', 'Lemon', 'Sand', 'Cocoa', 'Cream',
] as const;
