import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDubbedTimeline } from '../../src/main/nle/export';
import { makeSendBack, parseHandoff, writeJsonAtomic } from '../../src/main/nle/handoff';
import { readOtio } from '../../src/main/nle/otio';
import { timecodeToFrames } from '../../src/main/nle/timecode';
import { readCurrentTimeline, resolveMarkerColor, sendBack } from '../../src/main/resolve/dub-timeline';
import { createFakeResolve, type FakeMedia, type FakeResolve, type FakeTimelineSpec } from '../helpers/fake-resolve';
import { dubCurrentTimelineAction, sendBackAction, toResult } from '../../src/main/resolve/plugin/actions';
import { createResolveAdapter } from '../../src/main/resolve/resolve-api';

const camA: FakeMedia = { filePath: '/Volumes/Media/A001 C003.mov', fps: '29.97', startTimecode: '14:03:22;10', frames: 5000, dropFrame: true };
const camB: FakeMedia = { filePath: 'D:\\Media\\B002.mov', fps: '29.97', startTimecode: '09:59:58;20', frames: 900 };
const R2997 = { num: 30000, den: 1001 };
const START = timecodeToFrames('01:00:00;00', R2997, true); // 107892

/** A 29.97 DF timeline starting 01:00:00;00: V1 A [0,300) B [300,420) A [450,700), V2 title, A1 A [0,300). */
function spec(): FakeTimelineSpec {
  return {
    name: 'Promo v4',
    frameRate: '29.97',
    dropFrame: true,
    startFrame: START,
    startTimecode: '01:00:00;00',
    video: [
      [
        { media: camA, start: START, end: START + 300, leftOffset: 1200 },
        { media: camB, start: START + 300, end: START + 420, leftOffset: 37 },
        { media: camA, start: START + 450, end: START + 700, leftOffset: 2400 },
      ],
      [{ media: null, name: 'Text+', start: START + 10, end: START + 60, leftOffset: 0 }],
    ],
    audio: [[{ media: camA, start: START, end: START + 300, leftOffset: 1200 }]],
  };
}

describe.each([false, true])('Resolve adapter over the documented API (async=%s)', (async) => {
  it('reads the current timeline: paths, source and record frames, rate, timecode', async () => {
    const { resolve } = createFakeResolve(spec(), { async });
    const { timeline, warnings } = await readCurrentTimeline(createResolveAdapter(resolve));
    expect(timeline).toMatchObject({ name: 'Promo v4', rate: R2997, dropFrame: true, startTimecodeFrames: START });
    expect(timeline.tracks.map((t) => t.name)).toEqual(['V1', 'V2', 'A1']);
    expect(timeline.tracks[0].clips.map((c) => [c.mediaPath, c.recordIn, c.recordOut, c.sourceIn, c.sourceOut, c.sourceTimecodeStart, c.mediaDropFrame, c.mediaDuration])).toEqual([
      [camA.filePath, 0, 300, 1200, 1500, timecodeToFrames('14:03:22;10', R2997, true), true, 5000],
      [camB.filePath, 300, 420, 37, 157, timecodeToFrames('09:59:58;20', R2997, true), true, 900],
      [camA.filePath, 450, 700, 2400, 2650, timecodeToFrames('14:03:22;10', R2997, true), true, 5000],
    ]);
    expect(timeline.tracks[1].clips).toEqual([]);
    expect(warnings).toEqual(['"Text+" has no media file (title, generator or compound clip); left out.']);
  });

  it('sends back: bin import, new track, clips at their record frames, a marker per segment', async () => {
    const { resolve, project, timeline: tl } = createFakeResolve(spec(), {
      async,
      probe: (p) => (p.startsWith('/dub/') ? { filePath: p, fps: '29.97', startTimecode: '00:00:00;00', frames: 400 } : null),
    });
    const adapter = createResolveAdapter(resolve);
    const { timeline } = await readCurrentTimeline(adapter);
    const [a1, , a2] = timeline.tracks[0].clips;
    const dubbed = buildDubbedTimeline(timeline, [
      { originalClip: a1, dubbedMediaPath: '/dub/001.mov', handles: 12, segments: [{ name: 'seg-1', recordIn: 20, recordOut: 80, note: 'line 1' }, { name: 'seg-2', recordIn: 150, recordOut: 260 }] },
      { originalClip: a2, dubbedMediaPath: '/dub/003.mov', handles: { head: 12, tail: 3 } },
    ]);
    const manifest = makeSendBack(dubbed, 'Dubbed');
    const r = await sendBack(adapter, manifest);

    expect(r.trackIndices).toEqual([3]);
    expect(r.placed).toEqual([START + 0, START + 450]);
    expect(r.markersAdded).toBe(3);
    expect(r.warnings).toEqual([]);
    // Bin with both files.
    const bin = project.mediaPool.root.subfolders.find((f) => f.name === 'Dubbed shots')!;
    expect(bin.clips.map((c) => c.media.filePath)).toEqual(['/dub/001.mov', '/dub/003.mov']);
    // The clipInfos as Resolve received them.
    expect(project.mediaPool.appendCalls[0].map(({ mediaPoolItem, ...rest }) => ({ file: mediaPoolItem.GetClipProperty('File Path'), ...rest }))).toEqual([
      { file: '/dub/001.mov', startFrame: 12, endFrame: 312, trackIndex: 3, recordFrame: START, mediaType: 1 },
      { file: '/dub/003.mov', startFrame: 12, endFrame: 262, trackIndex: 3, recordFrame: START + 450, mediaType: 1 },
    ]);
    // The new V3 sits exactly over the originals.
    expect(tl!.tracks.video[2].map((i) => [i.start, i.end, i.leftOffset])).toEqual([
      [START, START + 300, 12],
      [START + 450, START + 700, 12],
    ]);
    expect([...tl!.markers.entries()].map(([f, m]) => [f, m.name, m.color, m.duration, m.note, m.customData])).toEqual([
      [20, 'seg-1', 'Green', 60, 'line 1', 'dubbing-editor:A001 C003.mov dub'],
      [150, 'seg-2', 'Green', 110, '', 'dubbing-editor:A001 C003.mov dub'],
      [450, 'A001 C003.mov dub', 'Green', 250, 'Dubbed', 'dubbing-editor:A001 C003.mov dub'],
    ]);

    // Sending the same shots again: media already in the bin is reused, markers on occupied frames are reported.
    const again = await sendBack(adapter, manifest);
    expect(again.trackIndices).toEqual([4]);
    expect(again.markersAdded).toBe(0);
    expect(again.warnings).toHaveLength(3);
    expect(bin.clips).toHaveLength(2);
  });

  it('refuses a timeline at another rate and reports files Resolve cannot import', async () => {
    const { resolve } = createFakeResolve({ ...spec(), frameRate: '25', dropFrame: false, startTimecode: '01:00:00:00', startFrame: 90000 }, { async, probe: () => null });
    const adapter = createResolveAdapter(resolve);
    const base = (await readCurrentTimeline(createResolveAdapter(createFakeResolve(spec()).resolve))).timeline;
    const dubbed = buildDubbedTimeline(base, [{ originalClip: base.tracks[0].clips[0], dubbedMediaPath: '/dub/x.mov', handles: 0 }]);
    await expect(sendBack(adapter, makeSendBack(dubbed, 'Dubbed'))).rejects.toMatchObject({ code: 'E_RESOLVE_RATE' });

    const same = createResolveAdapter(createFakeResolve(spec(), { async, probe: () => null }).resolve);
    await expect(sendBack(same, makeSendBack(dubbed, 'Dubbed'))).rejects.toMatchObject({ code: 'E_RESOLVE_IMPORT' });
  });

  it('reports an append that Resolve refuses (track occupied)', async () => {
    const { resolve, timeline: tl } = createFakeResolve(spec(), { async, probe: (p) => ({ filePath: p, fps: '29.97', startTimecode: '00:00:00;00', frames: 1000 }) });
    const adapter = createResolveAdapter(resolve);
    const [media] = await adapter.importMedia(['/dub/1.mov'], 'Dubbed shots');
    await expect(adapter.appendToTimeline([{ media, startFrame: 0, endFrame: 100, trackIndex: 1, recordFrame: START, mediaType: 1 }])).rejects.toMatchObject({ code: 'E_RESOLVE_APPEND' });
    // A free spot works and reads back where it was put.
    expect(await adapter.appendToTimeline([{ media, startFrame: 5, endFrame: 25, trackIndex: 1, recordFrame: START + 420, mediaType: 1 }])).toEqual([START + 420]);
    expect(tl!.tracks.video[0].map((i) => i.start)).toContain(START + 420);
  });
});

describe('Resolve adapter errors', () => {
  it('no project / no timeline are UserErrors', async () => {
    const none = createFakeResolve(null);
    await expect(readCurrentTimeline(createResolveAdapter(none.resolve))).rejects.toMatchObject({ code: 'E_RESOLVE_NO_TIMELINE' });
    const r = await toResult(() => readCurrentTimeline(createResolveAdapter(none.resolve)));
    expect(r).toMatchObject({ ok: false, error: { code: 'E_RESOLVE_NO_TIMELINE' } });
    const closed = createFakeResolve(spec());
    (closed.resolve as FakeResolve).projectManager.project = null;
    await expect(createResolveAdapter(closed.resolve).currentTimeline()).rejects.toMatchObject({ code: 'E_RESOLVE_NO_PROJECT' });
  });
  it('marker colours map to Resolve names', () => {
    expect(resolveMarkerColor('green')).toBe('Green');
    expect(resolveMarkerColor('FUCHSIA')).toBe('Fuchsia');
    expect(resolveMarkerColor('orange')).toBe('Green');
  });
});

describe('plugin actions', () => {
  it('"Dub current timeline" writes a handoff file and an OTIO copy; "Send back" places the manifest\'s shots', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'resolve-actions-'));
    const { resolve, timeline: tl } = createFakeResolve(spec(), { async: true, probe: (p) => ({ filePath: p, fps: '29.97', startTimecode: '00:00:00;00', frames: 1000 }) });
    const adapter = createResolveAdapter(resolve);
    const s = await dubCurrentTimelineAction(adapter, dir, (p) => p === camA.filePath);
    expect(s).toMatchObject({ timelineName: 'Promo v4', tracks: 3, clips: 4, missingMedia: [camB.filePath] });
    const handoff = parseHandoff(await fsp.readFile(s.file, 'utf8'));
    expect(handoff.timeline.tracks[0].clips).toHaveLength(3);
    expect(readOtio(await fsp.readFile(s.otio, 'utf8')).timeline.tracks[0].clips.map((c) => c.recordIn)).toEqual([0, 300, 450]);

    const dubbed = buildDubbedTimeline(handoff.timeline, [{ originalClip: handoff.timeline.tracks[0].clips[1], dubbedMediaPath: '/dub/b.mov', handles: 0 }]);
    const manifestFile = path.join(dir, 'x.sendback.json');
    await writeJsonAtomic(manifestFile, makeSendBack(dubbed, 'Dubbed'));
    await expect(sendBackAction(adapter, manifestFile, () => false)).rejects.toMatchObject({ code: 'E_RESOLVE_MEDIA' });
    const r = await sendBackAction(adapter, manifestFile, () => true);
    expect(r).toMatchObject({ cancelled: false, shots: 1, markers: 1, trackIndices: [3] });
    expect(tl!.tracks.video[2].map((i) => [i.start, i.end])).toEqual([[START + 300, START + 420]]);
    await fsp.rm(dir, { recursive: true, force: true });
  });
});
