import { mkdtempSync, readFileSync, writeFileSync, existsSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyProject, projectV2Schema, type Project } from '../../src/shared/project/schema';
import { migrateV1toV2, parseProjectDocument, parseProjectText, ProjectFormatError } from '../../src/shared/project/migrate';
import { addTrack, createSegment, setVideo } from '../../src/shared/project/segments';
import { fromStoredPaths, toStoredPaths } from '../../src/main/project/paths';
import { autosavePathFor, backupPathFor, ProjectStore } from '../../src/main/project/store';
import { UserError } from '../../src/main/util/errors';

function sample(dir: string): Project {
  let p = emptyProject('demo', new Date(0));
  p = setVideo(p, { path: path.join(dir, 'media', 'clip.mp4'), width: 64, height: 64, fps: 25, frameCount: 100, duration: 4, hasAudio: true });
  p = addTrack(p, { id: 'dub-1', name: 'dub', path: path.join(dir, 'media', 'dub.wav'), offset: 0.5, muted: false });
  return createSegment(p, 10, 30, { id: 'seg-1', engine: 'reference', params: { a: 1 } });
}

describe('project schema and migrations', () => {
  it('accepts a current project and rejects invalid ones with the field named', () => {
    const p = sample('/x');
    expect(parseProjectDocument(JSON.parse(JSON.stringify(p))).fromVersion).toBe(2);
    const bad = JSON.parse(JSON.stringify(p));
    bad.segments[0].endFrame = 'ten';
    expect(() => parseProjectDocument(bad)).toThrow(/segments\.0\.endFrame/);
    const inverted = JSON.parse(JSON.stringify(p));
    inverted.segments[0].reference = { startFrame: 5, endFrame: 1, source: 'user' };
    expect(() => parseProjectDocument(inverted)).not.toThrow(); // endFrame < start is caught by the ops, min(1) is the schema rule
  });

  it('migrates version 1 (seconds, one dub file) to version 2 (frames, tracks)', () => {
    const v1 = {
      version: 1,
      name: 'old',
      video: { path: 'clip.mp4', fps: 25, width: 640, height: 360, duration: 10 },
      dub: 'dub.wav',
      segments: [{ id: 's1', start: 1.0, end: 2.5, engine: 'reference', params: { x: 1 } }],
    };
    const { project, fromVersion } = parseProjectDocument(v1);
    expect(fromVersion).toBe(1);
    expect(project.version).toBe(2);
    expect(project.video?.frameCount).toBe(250);
    expect(project.tracks).toEqual([{ id: 'dub-1', name: 'Dub', path: 'dub.wav', offset: 0, muted: false }]);
    expect(project.segments[0]).toMatchObject({ id: 's1', startFrame: 25, endFrame: 63, trackId: 'dub-1', takes: [], occlusion: { shapes: [] } });
    expect(projectV2Schema.safeParse(migrateV1toV2(v1 as never)).success).toBe(true);
  });

  it('refuses newer formats, non-projects and broken JSON with a clear message', () => {
    expect(() => parseProjectDocument({ version: 99 })).toThrow(/newer version/);
    expect(() => parseProjectDocument([1, 2])).toThrow(ProjectFormatError);
    expect(() => parseProjectDocument({ hello: 1 })).toThrow(/no valid "version"/);
    expect(() => parseProjectText('{"version": 2, ')).toThrow(/not valid JSON/);
    expect(() => parseProjectDocument({ version: 1, video: null, dub: null, segments: [{ id: 1 }] })).toThrow(/format 1 is invalid/);
  });
});

describe('media paths relative to the project file', () => {
  it('round-trips through relative paths and keeps foreign absolute paths', () => {
    const p = sample('/home/u/proj');
    const stored = toStoredPaths(p, '/home/u/proj/edit.dubproj');
    expect(stored.video?.path).toBe('media/clip.mp4');
    expect(stored.tracks[0].path).toBe('media/dub.wav');
    expect(fromStoredPaths(stored, '/elsewhere/moved/edit.dubproj').video?.path).toBe('/elsewhere/moved/media/clip.mp4');
    expect(fromStoredPaths(stored, '/home/u/proj/edit.dubproj')).toEqual(p);
    const up = toStoredPaths(p, '/home/u/proj/sub/edit.dubproj');
    expect(up.video?.path).toBe('../media/clip.mp4');
  });
});

describe('ProjectStore', () => {
  const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'dub-store-'));

  it('saves atomically with a backup of the previous version, and reopens', async () => {
    const dir = tmp();
    const file = path.join(dir, 'a.dubproj');
    const store = new ProjectStore(path.join(dir, 'state'), 20);
    const p = sample(dir);
    const first = await store.save(file, p);
    expect(first.backup).toBeNull();
    expect(JSON.parse(readFileSync(file, 'utf8')).video.path).toBe('media/clip.mp4');
    const p2 = { ...p, name: 'second' };
    const second = await store.save(file, p2);
    expect(second.backup).toBe(backupPathFor(file));
    expect(JSON.parse(readFileSync(backupPathFor(file), 'utf8')).name).toBe('demo');
    const opened = await store.open(file);
    expect(opened.project).toEqual(p2);
    expect(opened.restoredAutosave).toBe(false);
    expect(opened.missing.map((m) => m.role)).toEqual(['video', 'track']);
  });

  it('debounces autosaves, and restores an autosave newer than the file (crash recovery)', async () => {
    const dir = tmp();
    const file = path.join(dir, 'b.dubproj');
    const store = new ProjectStore(path.join(dir, 'state'), 50);
    const p = sample(dir);
    await store.save(file, p);
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    const written: string[] = [];
    store.setAutosaveListener((i) => written.push(i.path));
    await store.autosave(file, { ...p, name: 'v1' });
    await store.autosave(file, { ...p, name: 'v2' });
    await store.autosave(file, { ...p, name: 'v3' });
    expect(existsSync(autosavePathFor(file))).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(written).toHaveLength(1);
    // A fresh store (a restarted app) opens the file and gets the autosaved state back.
    const reopened = await new ProjectStore(path.join(dir, 'state')).open(file);
    expect(reopened.restoredAutosave).toBe(true);
    expect(reopened.project.name).toBe('v3');
    // Saving removes the autosave.
    await store.save(file, reopened.project);
    expect(existsSync(autosavePathFor(file))).toBe(false);
  });

  it('recovers an untitled project and discards it on request', async () => {
    const dir = tmp();
    const store = new ProjectStore(path.join(dir, 'state'));
    expect(await store.recoverUntitled()).toBeNull();
    await store.autosave(null, sample(dir), true);
    const r = await new ProjectStore(path.join(dir, 'state')).recoverUntitled();
    expect(r?.project.name).toBe('demo');
    expect(await store.discardAutosave(null)).toBe(true);
    expect(await store.recoverUntitled()).toBeNull();
  });

  it('a corrupt project file gives E_PROJECT_CORRUPT naming the backup, and changes nothing', async () => {
    const dir = tmp();
    const file = path.join(dir, 'c.dubproj');
    const store = new ProjectStore(path.join(dir, 'state'));
    await store.save(file, sample(dir));
    await store.save(file, sample(dir));
    writeFileSync(file, '{"version": 2, "name": tru');
    const err = await store.open(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('E_PROJECT_CORRUPT');
    expect((err as UserError).hint).toContain(backupPathFor(file));
    expect(readFileSync(file, 'utf8')).toBe('{"version": 2, "name": tru');
    const missing = await store.open(path.join(dir, 'nope.dubproj')).catch((e: UserError) => e.code);
    expect(missing).toBe('E_NOT_FOUND');
  });
});
