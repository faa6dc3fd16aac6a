import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeTrackView, labialSpans, SOURCE_LABELS } from '../../src/main/services/phonetics-view';
import { importScript } from '../../src/main/services/script-service';
import { createServices, type Services } from '../../src/main/services/services';
import { createHostHandlers } from '../../src/main/services/host/handlers';
import { InProcessHost } from '../../src/main/services/host/supervisor';
import { createFakePipeline } from '../../src/main/services/pipeline-fake';
import type { PhoneTiming, TimedPhone } from '../../src/main/phonetics/types';
import { parseProjectDocument } from '../../src/shared/project/migrate';
import { segmentSpecKey } from '../../src/shared/project/render-key';
import { emptyProject, type DubScript, type Project } from '../../src/shared/project/schema';
import { cuesForSegment, renderScript, segmentScriptCues, setSegmentScript, setTrackLanguage, setTrackScript } from '../../src/shared/project/scripts';
import * as ops from '../../src/shared/project/segments';
import { generatedMedia } from '../ui/helpers/media';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dub-phonetics-'));

function ph(phone: string, start: number, end: number, viseme: number): TimedPhone {
  return { phone, start, end, viseme, vowel: viseme >= 10 };
}

function timing(source: PhoneTiming['source'], phones: TimedPhone[], note: string = source): PhoneTiming {
  return { source, alphabet: source === 'none' ? null : 'ipa', phones, note };
}

const text = (t: string): DubScript => ({ name: 'line.txt', format: 'text', cues: [{ text: t }], importedAt: '2026-01-01T00:00:00.000Z' });
const srt: DubScript = {
  name: 'dub.srt',
  format: 'srt',
  cues: [
    { text: 'Maybe Bob', start: 0.5, end: 1.5 },
    { text: 'five bears', start: 3, end: 4 },
  ],
  importedAt: '2026-01-01T00:00:00.000Z',
};

function baseProject(): Project {
  let p = ops.setVideo(emptyProject(), { path: '/m/clip.mp4', width: 64, height: 64, fps: 25, frameCount: 125, duration: 5, hasAudio: true });
  p = ops.addTrack(p, { id: 'dub-1', name: 'dub', path: '/m/dub.wav', offset: 0.2, muted: false });
  p = ops.createSegment(p, 25, 50, { id: 's1', engine: 'reference', params: {} });
  p = ops.createSegment(p, 75, 100, { id: 's2', engine: 'reference', params: {} });
  return p;
}

describe('labial spans', () => {
  it('keeps bilabials and labiodentals, merges touching phones of one kind, sorts', () => {
    const t = timing('script', [ph('a', 0, 0.1, 10), ph('b', 0.5, 0.55, 1), ph('m', 0.1, 0.2, 1), ph('b', 0.2, 0.25, 1), ph('f', 0.3, 0.4, 2), ph('v', 0.41, 0.45, 2), ph('s', 0.45, 0.5, 7)]);
    expect(labialSpans(t)).toEqual([
      { kind: 'bilabial', start: 0.1, end: 0.25, phones: 'm b' },
      { kind: 'labiodental', start: 0.3, end: 0.45, phones: 'f v' },
      { kind: 'bilabial', start: 0.5, end: 0.55, phones: 'b' },
    ]);
  });

  it('clips to a range and drops what lies outside', () => {
    const t = timing('recognizer', [ph('M', 0.9, 1.1, 1), ph('P', 2, 2.1, 1), ph('F', 3, 3.2, 2)]);
    expect(labialSpans(t, { start: 1, end: 3.1 })).toEqual([
      { kind: 'bilabial', start: 1, end: 1.1, phones: 'M' },
      { kind: 'bilabial', start: 2, end: 2.1, phones: 'P' },
      { kind: 'labiodental', start: 3, end: 3.1, phones: 'F' },
    ]);
    expect(labialSpans(timing('none', []))).toEqual([]);
  });

  it('composes a track lane: segments with their own script replace the track timing inside them', () => {
    const track = timing('recognizer', [ph('M', 0.5, 0.6, 1), ph('B', 1.2, 1.3, 1), ph('F', 2.5, 2.6, 2)], 'recognized');
    const own = timing('script', [ph('p', 1.5, 1.6, 1), ph('v', 4, 4.1, 2)], 'aligned');
    const view = composeTrackView(track, false, [{ id: 's1', start: 1, end: 2 }, { id: 's2', start: 3, end: 4 }], [{ segmentId: 's1', start: 1, end: 2, timing: own }]);
    expect(view.spans.map((s) => [s.kind, s.phones, s.start])).toEqual([
      ['bilabial', 'M', 0.5],
      ['bilabial', 'p', 1.5],
      ['labiodental', 'F', 2.5],
    ]);
    expect(view.segments).toEqual([
      { segmentId: 's1', source: 'script', note: 'aligned', origin: 'segment' },
      { segmentId: 's2', source: 'recognizer', note: 'recognized', origin: 'none' },
    ]);
    expect(SOURCE_LABELS.script).toBe('script (espeak-ng alignment)');
    expect(SOURCE_LABELS.recognizer).toBe('recognized phones (pocketsphinx)');
    expect(SOURCE_LABELS.none).toBe('audio features only');
  });
});

describe('scripts in the project', () => {
  it('a segment script wins over the track script; plain text spans the segment on the dub timeline', () => {
    let p = setTrackScript(baseProject(), 'dub-1', srt);
    expect(renderScript(p, p.segments[0])).toEqual({ script: srt.cues, language: 'en-us', origin: 'track' });
    p = setSegmentScript(p, 's1', text('Bob’s brave'));
    const r = renderScript(p, p.segments[0]);
    expect(r.origin).toBe('segment');
    // Frames 25-50 at 25 fps = 1-2 s of the clip, minus the track's 0.2 s offset.
    expect(r.script).toEqual([{ text: 'Bob’s brave', start: 0.8, end: 1.8 }]);
    expect(segmentScriptCues(p.segments[1], p.tracks[0], 25)).toBeNull();
    expect(renderScript(p, p.segments[1]).origin).toBe('track');
    p = setSegmentScript(setTrackScript(p, 'dub-1', null), 's1', null);
    expect(renderScript(p, p.segments[0])).toEqual({ script: null, language: 'en-us', origin: 'none' });
    expect('script' in p.tracks[0]).toBe(false);
  });

  it('an SRT for a segment keeps the cues inside it, and refuses one with none there', () => {
    const p = baseProject();
    // s1 covers 0.8-1.8 s of the dub: only the first cue; s2 (2.8-3.8 s): the second.
    expect(cuesForSegment(srt, p.segments[0], p.tracks[0], 25).cues.map((c) => c.text)).toEqual(['Maybe Bob']);
    expect(cuesForSegment(srt, p.segments[1], p.tracks[0], 25).cues.map((c) => c.text)).toEqual(['five bears']);
    const late = { ...srt, cues: [{ text: 'late', start: 10, end: 11 }] };
    expect(() => cuesForSegment(late, p.segments[0], p.tracks[0], 25)).toThrow(/No cue of dub.srt/);
  });

  it('sets the dub language, validated; the default removes it', () => {
    let p = setTrackLanguage(baseProject(), 'dub-1', 'de');
    expect(p.tracks[0].language).toBe('de');
    expect(renderScript(p, p.segments[0]).language).toBe('de');
    expect(() => setTrackLanguage(p, 'dub-1', 'de; rm -rf')).toThrow(/not a language/);
    p = setTrackLanguage(p, 'dub-1', 'en-us');
    expect(p.tracks[0].language).toBeUndefined();
  });

  it('the render key changes with a script or a language and is unchanged without them', () => {
    const p = baseProject();
    const k0 = segmentSpecKey(p, p.segments[0]);
    const withScript = setTrackScript(p, 'dub-1', text('Maybe'));
    expect(segmentSpecKey(withScript, withScript.segments[0])).not.toBe(k0);
    const withLang = setTrackLanguage(p, 'dub-1', 'fr');
    expect(segmentSpecKey(withLang, withLang.segments[0])).not.toBe(k0);
    const back = setTrackScript(withScript, 'dub-1', null);
    expect(segmentSpecKey(back, back.segments[0])).toBe(k0);
  });
});

describe('project format with scripts', () => {
  it('reads version-2 files written before scripts (no fields) and version-1 files', () => {
    const old = JSON.parse(JSON.stringify(baseProject()));
    const r = parseProjectDocument(old);
    expect(r.fromVersion).toBe(2);
    expect(r.project.tracks[0].script).toBeUndefined();
    expect(r.project.segments[0].script).toBeUndefined();
    const v1 = parseProjectDocument({ version: 1, video: { path: '/m/a.mp4', fps: 25, width: 8, height: 8, duration: 2 }, dub: '/m/d.wav', segments: [{ id: 'a', start: 0.2, end: 1, engine: 'reference', params: {} }] });
    expect(v1.project.tracks[0].script).toBeUndefined();
  });

  it('round-trips scripts and the language, and rejects a cue that ends before it starts', () => {
    const p = setSegmentScript(setTrackLanguage(setTrackScript(baseProject(), 'dub-1', srt), 'dub-1', 'es'), 's2', text('hola'));
    const back = parseProjectDocument(JSON.parse(JSON.stringify(p))).project;
    expect(back.tracks[0].script).toEqual(srt);
    expect(back.tracks[0].language).toBe('es');
    expect(back.segments[1].script).toEqual(text('hola'));
    const bad = JSON.parse(JSON.stringify(p));
    bad.tracks[0].script.cues[0].end = 0.1;
    expect(() => parseProjectDocument(bad)).toThrow(/end after start/);
    const badLang = JSON.parse(JSON.stringify(p));
    badLang.tracks[0].language = 'en us';
    expect(() => parseProjectDocument(badLang)).toThrow(/invalid/i);
  });
});

describe('script import', () => {
  it('reads plain text and SRT', async () => {
    const t = path.join(dir, 'line.txt');
    writeFileSync(t, '\uFEFFMaybe Bob\n brought   five bears.\n');
    const s = await importScript(t, new Date(0));
    expect(s).toEqual({ name: 'line.txt', format: 'text', cues: [{ text: 'Maybe Bob brought five bears.' }], importedAt: new Date(0).toISOString() });
    const f = path.join(dir, 'dub.srt');
    writeFileSync(f, '1\r\n00:00:00,500 --> 00:00:01,500\r\n<i>Maybe</i> Bob\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nfive bears\r\n');
    const r = await importScript(f);
    expect(r.format).toBe('srt');
    expect(r.cues).toEqual([
      { text: 'Maybe Bob', start: 0.5, end: 1.5 },
      { text: 'five bears', start: 3, end: 4 },
    ]);
  });

  it('gives clear errors for a missing, empty, binary or malformed file', async () => {
    await expect(importScript(path.join(dir, 'nope.txt'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(importScript(dir)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    writeFileSync(path.join(dir, 'empty.txt'), '  \n');
    await expect(importScript(path.join(dir, 'empty.txt'))).rejects.toMatchObject({ code: 'E_SCRIPT', message: 'The script empty.txt is empty.' });
    writeFileSync(path.join(dir, 'bin.txt'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x10]));
    await expect(importScript(path.join(dir, 'bin.txt'))).rejects.toMatchObject({ code: 'E_SCRIPT', message: expect.stringMatching(/not a text file/) });
    writeFileSync(path.join(dir, 'bad.srt'), '1\n00:00:02,000 --> 00:00:01,000\nbackwards\n');
    await expect(importScript(path.join(dir, 'bad.srt'))).rejects.toMatchObject({ code: 'E_SCRIPT', hint: expect.stringMatching(/HH:MM:SS/) });
  });
});

function hasEspeak(): boolean {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe('services: script.import and phonetics.get', () => {
  let services: Services;
  let project: Project;
  const cache = path.join(dir, 'cache');
  const line = 'Maybe Bob brought five big brown bears from the marsh.';
  beforeAll(async () => {
    const media = generatedMedia(path.join(dir, 'media'), { seconds: 4, size: 96 });
    const dub = path.join(dir, 'media', 'speech.wav');
    if (hasEspeak()) execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', dub, line], { stdio: 'pipe' });
    const host = new InProcessHost(createHostHandlers(createFakePipeline(), cache));
    services = createServices({ mode: 'bridge', version: 't', cacheDir: cache, stateDir: path.join(dir, 'state'), browseRoots: [dir], pipelineKind: 'fake', jobsHost: host, interactiveHost: host, dialogs: null, testHooks: false });
    project = ops.setVideo(emptyProject(), { path: media.video, width: 96, height: 96, fps: 25, frameCount: 100, duration: 4, hasAudio: true });
    project = ops.addTrack(project, { id: 'dub-1', name: 'speech', path: dub, offset: 0, muted: false });
    project = ops.createSegment(project, 0, 100, { id: 's1', engine: 'reference', params: {} });
  });
  afterAll(async () => services?.dispose());

  it.skipIf(!hasEspeak())('passes the segment’s script and the dub language to the render', async () => {
    const calls: Array<{ method: string; args: unknown }> = [];
    const inner = new InProcessHost(createHostHandlers(createFakePipeline(), cache));
    const recording = { call: ((method: string, args: never, opts: never) => (calls.push({ method, args }), inner.call(method as never, args, opts))) as InProcessHost['call'] };
    const svc = createServices({ mode: 'bridge', version: 't', cacheDir: cache, stateDir: path.join(dir, 'state2'), browseRoots: [dir], pipelineKind: 'fake', jobsHost: recording, interactiveHost: inner, dialogs: null, testHooks: false });
    try {
      const p = setSegmentScript(setTrackLanguage(project, 'dub-1', 'en-gb'), 's1', text('Maybe Bob'));
      const { job } = await svc.handlers['jobs.render']({ project: p, projectPath: null, segmentId: 's1' });
      const done = await svc.queue.wait(job.jobId);
      expect(done.state).toBe('done');
      const render = calls.find((c) => c.method === 'render')!.args as { dub: { script?: unknown; language?: string } };
      expect(render.dub.script).toEqual([{ text: 'Maybe Bob', start: 0, end: 4 }]);
      expect(render.dub.language).toBe('en-gb');
    } finally {
      await svc.dispose();
    }
  }, 120_000);

  it('refuses a script outside the editor’s folders', async () => {
    await expect(services.handlers['script.import']({ path: '/etc/hostname' })).rejects.toMatchObject({ code: 'E_ACCESS' });
  });

  it.skipIf(!hasEspeak())('aligns an imported script to espeak-ng speech: bilabial spans, source per segment', async () => {
    const file = path.join(dir, 'speech.txt');
    writeFileSync(file, line);
    const { script } = await services.handlers['script.import']({ path: file });
    const p = setTrackScript(project, 'dub-1', script);
    const r = await services.handlers['phonetics.get']({ project: p, trackId: 'dub-1' });
    expect(r.source).toBe('script');
    expect(r.label).toBe('script (espeak-ng alignment)');
    expect(r.segments).toEqual([expect.objectContaining({ segmentId: 's1', source: 'script', origin: 'track' })]);
    // m b b b b b m m (and f): at least a few bilabial spans inside the speech.
    expect(r.spans.filter((s) => s.kind === 'bilabial').length).toBeGreaterThanOrEqual(4);
    expect(r.spans.some((s) => s.kind === 'labiodental')).toBe(true);
    for (const s of r.spans) expect(s.end).toBeGreaterThan(s.start);
    const one = await services.handlers['phonetics.get']({ project: p, trackId: 'dub-1', segmentId: 's1' });
    expect(one.source).toBe('script');
    // Without a script in a language pocketsphinx does not know: audio features only, and why.
    const de = setTrackLanguage(project, 'dub-1', 'de');
    const none = await services.handlers['phonetics.get']({ project: de, trackId: 'dub-1' });
    expect(none.source).toBe('none');
    expect(none.label).toBe('audio features only');
    expect(none.note).toMatch(/No script/);
    expect(none.spans).toEqual([]);
  }, 120_000);
});
