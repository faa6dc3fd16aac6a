import { UserError } from '../util/errors';
import type { AppendRequest, MediaHandle, ResolveAdapter, ResolveItemInfo, ResolveMediaInfo, ResolveTimelineInfo } from './adapter';
import type { FolderApi, MediaPoolApi, MediaPoolItemApi, ResolveApi, TimelineApi } from './api-types';

/**
 * `ResolveAdapter` over Resolve's scripting objects (the object `WorkflowIntegration.GetResolve()`
 * returns in the plugin, or the fake in tests). Works whether the API answers synchronously or
 * with Promises. Every write is read back: a track count that did not grow, or an appended item
 * that did not land at its record frame, is an error rather than a silent success.
 */
export function createResolveAdapter(resolve: ResolveApi): ResolveAdapter {
  const items = new Map<string, MediaPoolItemApi>();
  let nextKey = 1;

  async function project() {
    const pm = await resolve.GetProjectManager();
    const p = pm ? await pm.GetCurrentProject() : null;
    if (!p) throw new UserError('E_RESOLVE_NO_PROJECT', 'No project is open in DaVinci Resolve.', 'Open the project with the timeline to dub.');
    return p;
  }

  async function timeline(): Promise<TimelineApi> {
    const t = await (await project()).GetCurrentTimeline();
    if (!t) throw new UserError('E_RESOLVE_NO_TIMELINE', 'The Resolve project has no current timeline.', 'Open the timeline to dub in the Edit page.');
    return t;
  }

  async function mediaPool(): Promise<MediaPoolApi> {
    const mp = await (await project()).GetMediaPool();
    if (!mp) throw new UserError('E_RESOLVE_API', 'Resolve did not return the media pool.', 'Restart the plugin; if it persists, restart Resolve.');
    return mp;
  }

  async function mediaInfo(mpi: MediaPoolItemApi): Promise<ResolveMediaInfo | null> {
    const filePath = (await mpi.GetClipProperty('File Path')) ?? '';
    if (!filePath) return null;
    const frames = Number.parseInt((await mpi.GetClipProperty('Frames')) ?? '', 10);
    const df = (await mpi.GetClipProperty('Drop frame')) ?? '';
    return {
      name: (await mpi.GetName()) ?? '',
      filePath,
      fps: (await mpi.GetClipProperty('FPS')) ?? '',
      startTimecode: (await mpi.GetClipProperty('Start TC')) ?? '',
      frames: Number.isFinite(frames) ? frames : null,
      dropFrame: df === '1' ? true : df === '0' ? false : null,
    };
  }

  async function findBin(mp: MediaPoolApi, name: string): Promise<FolderApi> {
    const root = await mp.GetRootFolder();
    for (const f of (await root.GetSubFolderList()) ?? []) if ((await f.GetName()) === name) return f;
    const created = await mp.AddSubFolder(root, name);
    if (!created) throw new UserError('E_RESOLVE_API', `Resolve could not create the bin "${name}".`, 'Check that the media pool is not locked (collaboration).');
    return created;
  }

  const handle = (mpi: MediaPoolItemApi, filePath: string): MediaHandle => {
    const key = `mpi-${nextKey++}`;
    items.set(key, mpi);
    return { key, filePath };
  };

  return {
    async currentTimeline(): Promise<ResolveTimelineInfo> {
      const t = await timeline();
      return {
        name: await t.GetName(),
        frameRate: String(await t.GetSetting('timelineFrameRate')),
        dropFrame: String(await t.GetSetting('timelineDropFrameTimecode')) === '1',
        startFrame: Number(await t.GetStartFrame()),
        startTimecode: String(await t.GetStartTimecode()),
        videoTrackCount: Number(await t.GetTrackCount('video')),
        audioTrackCount: Number(await t.GetTrackCount('audio')),
      };
    },

    async trackItems(type, index): Promise<ResolveItemInfo[]> {
      const t = await timeline();
      const list = (await t.GetItemListInTrack(type, index)) ?? [];
      const out: ResolveItemInfo[] = [];
      for (const it of list) {
        const mpi = await it.GetMediaPoolItem();
        out.push({
          name: await it.GetName(),
          start: Number(await it.GetStart()),
          end: Number(await it.GetEnd()),
          leftOffset: Number(await it.GetLeftOffset()),
          media: mpi ? await mediaInfo(mpi) : null,
        });
      }
      return out.sort((a, b) => a.start - b.start);
    },

    async importMedia(paths, binName): Promise<MediaHandle[]> {
      const mp = await mediaPool();
      const bin = await findBin(mp, binName);
      const previous = await mp.GetCurrentFolder();
      await mp.SetCurrentFolder(bin);
      try {
        const imported = (await mp.ImportMedia(paths)) ?? [];
        // Media already in the bin is not imported again; look there for what is missing.
        const pool = [...imported, ...((await bin.GetClipList()) ?? [])];
        const byPath = new Map<string, MediaPoolItemApi>();
        for (const mpi of pool) {
          const p = await mpi.GetClipProperty('File Path');
          if (p && !byPath.has(p)) byPath.set(p, mpi);
        }
        const missing = paths.filter((p) => !byPath.has(p));
        if (missing.length) {
          throw new UserError(
            'E_RESOLVE_IMPORT',
            `Resolve did not import ${missing.length} file(s): ${missing.join(', ')}.`,
            'Check that the files exist and that Resolve can read them (codec, permissions).',
          );
        }
        return paths.map((p) => handle(byPath.get(p)!, p));
      } finally {
        if (previous) await mp.SetCurrentFolder(previous);
      }
    },

    async addTrack(type): Promise<number> {
      const t = await timeline();
      const before = Number(await t.GetTrackCount(type));
      const ok = await t.AddTrack(type);
      const after = Number(await t.GetTrackCount(type));
      if (!ok || after !== before + 1) {
        throw new UserError('E_RESOLVE_API', `Resolve could not add a ${type} track.`, 'Check that the timeline is not locked.');
      }
      return after;
    },

    async appendToTimeline(requests: AppendRequest[]): Promise<number[]> {
      const mp = await mediaPool();
      const infos = requests.map((r) => {
        const mpi = items.get(r.media.key);
        if (!mpi) throw new Error(`Unknown media handle ${r.media.key}`);
        return {
          mediaPoolItem: mpi,
          startFrame: r.startFrame,
          endFrame: r.endFrame,
          trackIndex: r.trackIndex,
          recordFrame: r.recordFrame,
          ...(r.mediaType ? { mediaType: r.mediaType } : {}),
        };
      });
      const placed = (await mp.AppendToTimeline(infos)) ?? [];
      if (placed.length !== requests.length) {
        throw new UserError(
          'E_RESOLVE_APPEND',
          `Resolve placed ${placed.length} of ${requests.length} shots on the timeline.`,
          'Check that the new track is empty at those frames and that the shot files cover the frames asked for.',
        );
      }
      const starts: number[] = [];
      for (const [i, item] of placed.entries()) {
        const start = Number(await item.GetStart());
        const end = Number(await item.GetEnd());
        const want = requests[i];
        if (start !== want.recordFrame || end - start !== want.endFrame - want.startFrame) {
          throw new UserError(
            'E_RESOLVE_APPEND',
            `Shot ${i + 1} landed at frames ${start}-${end} instead of ${want.recordFrame}-${want.recordFrame + want.endFrame - want.startFrame}.`,
            'Your Resolve version may count clipInfo frames differently; please report it with the Resolve version.',
          );
        }
        starts.push(start);
      }
      return starts;
    },

    async addMarker(frameId, color, name, note, duration, customData): Promise<boolean> {
      const t = await timeline();
      return Boolean(await (customData === undefined ? t.AddMarker(frameId, color, name, note, duration) : t.AddMarker(frameId, color, name, note, duration, customData)));
    },
  };
}
