import type {
  ClipInfoApi,
  FolderApi,
  MediaPoolApi,
  MediaPoolItemApi,
  ProjectApi,
  ProjectManagerApi,
  ResolveApi,
  ResolveTrackType,
  TimelineApi,
  TimelineItemApi,
} from '../../src/main/resolve/api-types';
import { RESOLVE_MARKER_COLORS } from '../../src/main/resolve/api-types';

/**
 * An in-memory DaVinci Resolve that follows the documented scripting API objects
 * (Resolve -> ProjectManager -> Project -> MediaPool / Folder / MediaPoolItem, Timeline /
 * TimelineItem) and the frame conventions listed in api-types.ts. For tests and offline
 * development of the plugin; it checks its arguments the way Resolve does (valid track indices,
 * marker colours, no marker twice on a frame, no overlapping items on a track) and answers
 * `false` / `null` / `[]` where Resolve does, instead of throwing. With `async: true` every
 * method returns a Promise, like newer Workflow Integration builds.
 */

export interface FakeMedia {
  filePath: string;
  fps: string;
  startTimecode: string;
  frames: number;
  dropFrame?: boolean;
  name?: string;
}

export interface FakeItemSpec {
  media: FakeMedia | null;
  name?: string;
  /** Absolute record frames [start, end). */
  start: number;
  end: number;
  leftOffset: number;
}

export interface FakeTimelineSpec {
  name: string;
  frameRate: string;
  dropFrame?: boolean;
  startFrame: number;
  startTimecode: string;
  video: FakeItemSpec[][];
  audio?: FakeItemSpec[][];
}

export class FakeMediaPoolItem implements MediaPoolItemApi {
  constructor(readonly media: FakeMedia) {}
  GetName(): string {
    return this.media.name ?? this.media.filePath.split(/[\\/]/).pop()!;
  }
  GetClipProperty(propertyName: string): string {
    const m = this.media;
    const props: Record<string, string> = {
      'File Path': m.filePath,
      FPS: m.fps,
      'Start TC': m.startTimecode,
      Frames: String(m.frames),
      'Clip Name': this.GetName(),
      'Drop frame': m.dropFrame === undefined ? '' : m.dropFrame ? '1' : '0',
    };
    return props[propertyName] ?? '';
  }
}

export class FakeTimelineItem implements TimelineItemApi {
  constructor(
    readonly mpi: FakeMediaPoolItem | null,
    readonly name: string,
    readonly start: number,
    readonly end: number,
    readonly leftOffset: number,
  ) {}
  GetName(): string {
    return this.name;
  }
  GetStart(): number {
    return this.start;
  }
  GetEnd(): number {
    return this.end;
  }
  GetDuration(): number {
    return this.end - this.start;
  }
  GetLeftOffset(): number {
    return this.leftOffset;
  }
  GetMediaPoolItem(): FakeMediaPoolItem | null {
    return this.mpi;
  }
}

export interface FakeMarker {
  color: string;
  name: string;
  note: string;
  duration: number;
  customData: string;
}

export class FakeTimeline implements TimelineApi {
  readonly tracks: Record<'video' | 'audio' | 'subtitle', FakeTimelineItem[][]>;
  readonly markers = new Map<number, FakeMarker>();
  constructor(readonly spec: FakeTimelineSpec) {
    const build = (tracks: FakeItemSpec[][] = []) =>
      tracks.map((items) => items.map((i) => new FakeTimelineItem(i.media ? new FakeMediaPoolItem(i.media) : null, i.name ?? (i.media ? i.media.filePath.split(/[\\/]/).pop()! : 'Title'), i.start, i.end, i.leftOffset)));
    this.tracks = { video: build(spec.video), audio: build(spec.audio), subtitle: [] };
  }
  GetName(): string {
    return this.spec.name;
  }
  GetStartFrame(): number {
    return this.spec.startFrame;
  }
  GetEndFrame(): number {
    const ends = [...this.tracks.video, ...this.tracks.audio].flat().map((i) => i.end);
    return Math.max(this.spec.startFrame, ...ends);
  }
  GetStartTimecode(): string {
    return this.spec.startTimecode;
  }
  GetSetting(settingName: string): string {
    if (settingName === 'timelineFrameRate') return this.spec.frameRate;
    if (settingName === 'timelineDropFrameTimecode') return this.spec.dropFrame ? '1' : '0';
    return '';
  }
  GetTrackCount(trackType: ResolveTrackType): number {
    return this.tracks[trackType]?.length ?? 0;
  }
  GetItemListInTrack(trackType: ResolveTrackType, index: number): FakeTimelineItem[] {
    return [...(this.tracks[trackType]?.[index - 1] ?? [])];
  }
  AddTrack(trackType: ResolveTrackType): boolean {
    if (!this.tracks[trackType]) return false;
    this.tracks[trackType].push([]);
    return true;
  }
  AddMarker(frameId: number, color: string, name: string, note: string, duration: number, customData = ''): boolean {
    const end = this.GetEndFrame() - this.spec.startFrame;
    if (!Number.isInteger(frameId) || frameId < 0 || frameId >= end) return false;
    if (!(RESOLVE_MARKER_COLORS as readonly string[]).includes(color)) return false;
    if (this.markers.has(frameId) || !(duration >= 1)) return false;
    this.markers.set(frameId, { color, name, note, duration, customData });
    return true;
  }
  /** Test helper: places an item if the track has room; null otherwise. */
  place(trackType: 'video' | 'audio', index: number, item: FakeTimelineItem): FakeTimelineItem | null {
    const track = this.tracks[trackType][index - 1];
    if (!track) return null;
    if (track.some((i) => i.start < item.end && item.start < i.end)) return null;
    track.push(item);
    track.sort((a, b) => a.start - b.start);
    return item;
  }
}

export class FakeFolder implements FolderApi {
  readonly clips: FakeMediaPoolItem[] = [];
  readonly subfolders: FakeFolder[] = [];
  constructor(readonly name: string) {}
  GetName(): string {
    return this.name;
  }
  GetClipList(): FakeMediaPoolItem[] {
    return [...this.clips];
  }
  GetSubFolderList(): FakeFolder[] {
    return [...this.subfolders];
  }
}

export class FakeMediaPool implements MediaPoolApi {
  readonly root = new FakeFolder('Master');
  current: FakeFolder = this.root;
  /** Every AppendToTimeline call, as received. */
  readonly appendCalls: ClipInfoApi[][] = [];
  constructor(
    private readonly project: FakeProject,
    /** What ImportMedia learns about a path (Resolve probes the file); null = cannot import. */
    private readonly probe: (path: string) => FakeMedia | null,
  ) {}
  GetRootFolder(): FakeFolder {
    return this.root;
  }
  GetCurrentFolder(): FakeFolder {
    return this.current;
  }
  SetCurrentFolder(folder: FolderApi): boolean {
    if (!(folder instanceof FakeFolder)) return false;
    this.current = folder;
    return true;
  }
  AddSubFolder(folder: FolderApi, name: string): FakeFolder | null {
    if (!(folder instanceof FakeFolder)) return null;
    const f = new FakeFolder(name);
    folder.subfolders.push(f);
    return f;
  }
  ImportMedia(paths: string[]): FakeMediaPoolItem[] {
    const out: FakeMediaPoolItem[] = [];
    for (const p of paths) {
      // Resolve does not import a file twice into the same bin.
      if (this.current.clips.some((c) => c.media.filePath === p)) continue;
      const m = this.probe(p);
      if (!m) continue;
      const mpi = new FakeMediaPoolItem(m);
      this.current.clips.push(mpi);
      out.push(mpi);
    }
    return out;
  }
  AppendToTimeline(clipInfos: ClipInfoApi[]): FakeTimelineItem[] {
    this.appendCalls.push(clipInfos);
    const tl = this.project.timeline;
    if (!tl || !Array.isArray(clipInfos)) return [];
    const out: FakeTimelineItem[] = [];
    for (const ci of clipInfos) {
      const mpi = ci.mediaPoolItem;
      if (!(mpi instanceof FakeMediaPoolItem)) continue;
      const { startFrame, endFrame, recordFrame, trackIndex } = ci;
      if (![startFrame, endFrame, recordFrame, trackIndex].every(Number.isInteger)) continue;
      if (startFrame < 0 || endFrame <= startFrame || endFrame > mpi.media.frames) continue;
      const type = ci.mediaType === 2 ? 'audio' : 'video';
      const item = new FakeTimelineItem(mpi, mpi.GetName(), recordFrame, recordFrame + (endFrame - startFrame), startFrame);
      if (tl.place(type, trackIndex, item)) out.push(item);
    }
    return out;
  }
}

export class FakeProject implements ProjectApi {
  readonly mediaPool: FakeMediaPool;
  constructor(
    readonly name: string,
    public timeline: FakeTimeline | null,
    probe: (path: string) => FakeMedia | null,
  ) {
    this.mediaPool = new FakeMediaPool(this, probe);
  }
  GetName(): string {
    return this.name;
  }
  GetMediaPool(): FakeMediaPool {
    return this.mediaPool;
  }
  GetCurrentTimeline(): FakeTimeline | null {
    return this.timeline;
  }
}

export class FakeProjectManager implements ProjectManagerApi {
  constructor(public project: FakeProject | null) {}
  GetCurrentProject(): FakeProject | null {
    return this.project;
  }
}

export class FakeResolve implements ResolveApi {
  constructor(readonly projectManager: FakeProjectManager) {}
  GetProjectManager(): FakeProjectManager {
    return this.projectManager;
  }
}

/** Wraps every method of every object reachable from `obj` so that it returns a Promise. */
function asyncify<T extends object>(obj: T, seen = new WeakMap<object, object>()): T {
  if (seen.has(obj)) return seen.get(obj) as T;
  const proxy = new Proxy(obj, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || typeof prop !== 'string' || !/^[A-Z]/.test(prop)) return v;
      return (...args: unknown[]) => {
        // Unwrap proxies passed back in (clipInfos, folders) so identity checks hold.
        const real = args.map((a) => unwrap(a));
        const r = (v as (...a: unknown[]) => unknown).apply(target, real);
        return Promise.resolve(wrap(r, seen));
      };
    },
  });
  seen.set(obj, proxy);
  originals.set(proxy, obj);
  return proxy;
}
const originals = new WeakMap<object, object>();
function unwrap(a: unknown): unknown {
  if (Array.isArray(a)) return a.map(unwrap);
  if (a && typeof a === 'object') {
    const o = originals.get(a);
    if (o) return o;
    if (Object.getPrototypeOf(a) === Object.prototype) return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, unwrap(v)]));
  }
  return a;
}
function wrap(r: unknown, seen: WeakMap<object, object>): unknown {
  if (Array.isArray(r)) return r.map((x) => wrap(x, seen));
  if (r && typeof r === 'object' && Object.getPrototypeOf(r) !== Object.prototype) return asyncify(r as object, seen);
  return r;
}

/**
 * A fake Resolve with one open project and (optionally) a current timeline.
 * @param probe what ImportMedia learns about a file; default: any path, 24 fps, 1000 frames.
 */
export function createFakeResolve(
  spec: FakeTimelineSpec | null,
  opts: { async?: boolean; probe?: (path: string) => FakeMedia | null } = {},
): { resolve: ResolveApi; project: FakeProject; timeline: FakeTimeline | null } {
  const timeline = spec ? new FakeTimeline(spec) : null;
  const project = new FakeProject('Fake project', timeline, opts.probe ?? ((p) => ({ filePath: p, fps: '24', startTimecode: '00:00:00:00', frames: 1000 })));
  const resolve = new FakeResolve(new FakeProjectManager(project));
  return { resolve: opts.async ? asyncify(resolve) : resolve, project, timeline };
}
