import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chooseFile, dragOnLane, newProject, openApp, shot, snapshot } from './helpers/app';
import { generatedMedia, repoRoot, testMedia, type TestMedia } from './helpers/media';

/**
 * An editor's session in Chromium through the loopback bridge, against the real pipeline.
 *
 * On generated media (always, so this file checks something on every machine): open clip and
 * dub, see both waveforms, seek frame by frame, create segments, draw an occlusion polygon, pick
 * a reference on the timeline, move a slider, save, reopen, export; the export is probed and
 * every frame is the original's (nothing was rendered: the picture has no face).
 *
 * On the real clip (../shared/media/talk-a.mp4 dubbed with dub-a.wav; skipped, saying so, when
 * that folder is absent): the same, plus a suggested reference, a render with progress and
 * interactive preview, faces and hands, preview A/B and side by side, undo/redo against the
 * take, cancel, segments from speech, and an export whose dubbed segment changed the mouth.
 */
const TOKEN = 'e2e-token';
const work = path.join(repoRoot, 'test-results', 'e2e');
const media = testMedia(path.join(work, 'media'));
const generated = generatedMedia(path.join(work, 'media'));

function ffprobe(file: string): { codec: string; pix: string; width: number; height: number; frames: number; duration: number; audio: string | null } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]).toString();
  const j = JSON.parse(out) as { streams: Array<Record<string, string | number>>; format: { duration: string } };
  const v = j.streams.find((s) => s.codec_type === 'video')!;
  const a = j.streams.find((s) => s.codec_type === 'audio');
  return { codec: String(v.codec_name), pix: String(v.pix_fmt), width: Number(v.width), height: Number(v.height), frames: Number(v.nb_read_frames), duration: Number(j.format.duration), audio: a ? String(a.codec_name) : null };
}

/** Mean absolute difference (0-255) between the same crop of frame `n` in two files. */
function cropDiff(a: string, b: string, n: number, crop: { x: number; y: number; w: number; h: number }): number {
  const grab = (f: string) =>
    execFileSync('ffmpeg', ['-v', 'error', '-i', f, '-vf', `select=eq(n\\,${n}),format=rgb24,crop=${crop.w}:${crop.h}:${crop.x}:${crop.y}`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const x = grab(a);
  const y = grab(b);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  return sum / x.length;
}

/** Interactive render-preview crops drawn over the video so far. */
async function previewFramesDrawn(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __editor: { store: { getState(): { previewFramesDrawn: number } } } }).__editor.store.getState().previewFramesDrawn);
}

async function segmentStatus(page: Page): Promise<string> {
  return (await page.getByTestId('segment-status').textContent()) ?? '';
}


/** Segment fields the steps below use. */
type Seg = { id: string; startFrame: number; endFrame: number };

async function openClipAndDub(page: Page, m: TestMedia, shots: string): Promise<{ fps: number; frameCount: number }> {
  await shot(page, `${shots}01-empty`);
  await test.step('open the clip and the dub track; both waveforms are drawn from peaks', async () => {
    await page.getByTestId('open-video').click();
    await chooseFile(page, m.video);
    await expect(page.getByTestId('video-original')).toHaveJSProperty('readyState', 4, { timeout: 60_000 });
    await page.getByTestId('add-dub').click();
    await chooseFile(page, m.dub);
    await expect.poll(async () => Object.values((await snapshot(page)).peaks).filter(Boolean).length, { timeout: 90_000 }).toBe(2);
    await expect(page.locator('[data-lane="original"] canvas').first()).toBeVisible();
    const trackId = (await snapshot(page)).tracks[0].id;
    await expect(page.locator(`[data-lane="track:${trackId}"] canvas`).first()).toBeVisible();
    await expect(page.getByTestId('thumb-strip')).toBeVisible();
  });
  const { video } = await snapshot(page);
  return { fps: video!.fps, frameCount: video!.frameCount };
}

async function stepFrames(page: Page, fps: number, shots: string): Promise<void> {
  await test.step('frame-accurate stepping with the arrow keys', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await snapshot(page)).frame).toBe(3);
    const t = await page.getByTestId('video-original').evaluate((v: HTMLVideoElement) => v.currentTime);
    expect(Math.floor(t * fps)).toBe(3);
    await page.keyboard.press('ArrowLeft');
    await expect(page.getByTestId('timecode')).toContainText('frame 2');
    await shot(page, `${shots}02-timeline`);
  });
}

/** Drags a segment on the timeline, then makes a second one with I, O and N; returns the first. */
async function createSegments(page: Page, frameCount: number): Promise<Seg> {
  await test.step('create a segment by dragging on the timeline', async () => {
    await dragOnLane(page, 'original', 0.4, 0.62);
    await expect.poll(async () => (await snapshot(page)).segments.length).toBe(1);
    await expect(page.getByTestId('segment-panel')).toBeVisible();
    expect(await segmentStatus(page)).toBe('stale');
  });

  await test.step('mark in/out with I and O, make a second segment with N, split it with S and undo', async () => {
    await page.keyboard.press('End');
    for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
    const inFrame = (await snapshot(page)).frame;
    expect(inFrame).toBe(frameCount - 21);
    await page.keyboard.press('i');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('o');
    await page.keyboard.press('n');
    await expect.poll(async () => (await snapshot(page)).segments.length).toBe(2);
    const second = (await snapshot(page)).segments[1];
    expect([second.startFrame, second.endFrame]).toEqual([inFrame, inFrame + 11]);
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('s');
    await expect.poll(async () => (await snapshot(page)).segments.length).toBe(3);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await snapshot(page)).segments.length).toBe(2);
  });
  return (await snapshot(page)).segments[0];
}

async function drawOcclusion(page: Page, seg: Seg, shots: string): Promise<void> {
  await test.step('draw an occlusion polygon on a frame of the segment', async () => {
    await page.locator(`[data-lane="original"] [data-region="seg:${seg.id}"]`).click();
    await expect.poll(async () => (await snapshot(page)).frame).toBe(seg.startFrame);
    await page.getByTestId('tool-polygon').click();
    const box = (await page.locator('[data-testid="pane-a"] [data-testid="mask-canvas"]').boundingBox())!;
    // Lower right of the picture (a hand-sized area next to the chin).
    const pts: Array<[number, number]> = [
      [0.58, 0.78],
      [0.66, 0.76],
      [0.68, 0.9],
      [0.57, 0.92],
    ];
    for (const [x, y] of pts) await page.mouse.click(box.x + box.width * x, box.y + box.height * y);
    await page.mouse.click(box.x + box.width * pts[0][0], box.y + box.height * pts[0][1]);
    await expect.poll(async () => (await snapshot(page)).segments[0].shapes).toBe(1);
    await expect(page.getByTestId('shape')).toHaveCount(1);
    // A brush stroke elsewhere (no shape selected) becomes a second occluder.
    await page.getByTestId('tool-select').click();
    await page.mouse.click(box.x + box.width * 0.1, box.y + box.height * 0.1);
    await page.getByTestId('tool-brush').click();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.85);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.36, box.y + box.height * 0.88, { steps: 6 });
    await page.mouse.up();
    await expect.poll(async () => (await snapshot(page)).segments[0].shapes).toBe(2);
    // Keyframes interpolate: a vertex moved 8 frames later creates a second keyframe for that shape.
    await page.getByTestId('tool-select').click();
    for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
    const v = { x: box.x + box.width * pts[2][0], y: box.y + box.height * pts[2][1] };
    await page.mouse.move(v.x, v.y);
    await page.mouse.down();
    await page.mouse.move(v.x + 25, v.y - 15, { steps: 5 });
    await page.mouse.up();
    await expect(page.getByTestId('shape').first()).toContainText(`◆${seg.startFrame + 8}`);
    await page.keyboard.press('ArrowLeft');
    await shot(page, `${shots}03-mask-editor`);
  });
}

/** Picks the lip-habit reference by drawing it on the timeline (the way without suggestions). */
async function pickReferenceOnTimeline(page: Page, shots: string): Promise<void> {
  await page.getByTestId('pick-reference').click();
  await dragOnLane(page, 'original', 0.02, 0.3);
  await expect.poll(async () => (await snapshot(page)).segments[0].reference?.source).toBe('user');
  await shot(page, `${shots}04-reference-picked`);
}

/** Moves the first engine slider with the keyboard; returns its parameter key. */
async function moveFirstSlider(page: Page): Promise<string> {
  const firstParam = await page.locator('[data-testid="engine-panel"] [data-param]').first().getAttribute('data-param');
  if (!firstParam) throw new Error('the engine has no parameters');
  await test.step('move an engine slider generated from the parameter schema', async () => {
    const slider = page.getByTestId(`param-${firstParam}`);
    const before = (await snapshot(page)).segments[0].params[firstParam];
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await snapshot(page)).segments[0].params[firstParam]).not.toBe(before);
    await expect(page.getByTestId(`param-value-${firstParam}`)).not.toHaveText(String(before));
  });
  return firstParam;
}

async function save(page: Page, projectFile: string): Promise<void> {
  await test.step('save with Ctrl+S', async () => {
    await page.keyboard.press('Control+s');
    await chooseFile(page, projectFile);
    await expect(page.getByTestId('project-name')).toHaveText(path.basename(projectFile));
    expect(existsSync(projectFile)).toBe(true);
  });
}

/** Starts a new project, reopens `projectFile` and checks the segments came back as they were. */
async function reopen(page: Page, projectFile: string, seg: Seg): Promise<void> {
  const before = await snapshot(page);
  await newProject(page);
  await expect.poll(async () => (await snapshot(page)).video).toBeNull();
  await page.getByTestId('open-project').click();
  await chooseFile(page, projectFile);
  await expect.poll(async () => (await snapshot(page)).segments.length).toBe(before.segments.length);
  const after = await snapshot(page);
  expect(after.segments).toEqual(before.segments);
  expect(after.projectPath).toBe(projectFile);
  await page.locator(`[data-lane="original"] [data-region="seg:${seg.id}"]`).click();
}

/** Exports H.264 to `out`; checks the probe against the clip and returns the export's file. */
async function exportH264(page: Page, out: string, shots: string, clip: { frameCount: number; fps: number }): Promise<string> {
  await page.getByTestId('export').click();
  await expect(page.getByTestId('export-dialog')).toBeVisible();
  await page.getByTestId('codec-h264').check();
  await page.getByTestId('export-path').fill(out);
  await page.getByTestId('export-start').click();
  await expect(page.getByTestId('export-result')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('export-result')).toContainText('h264');
  await shot(page, `${shots}09-export`);
  const p = ffprobe(out);
  expect(p).toMatchObject({ codec: 'h264', pix: 'yuv420p', frames: clip.frameCount, audio: 'aac' });
  expect(p.duration).toBeCloseTo(clip.frameCount / clip.fps, 0);
  return out;
}

/** The lower-face crop of a clip (where renders change pixels). */
function mouthCrop(video: string): { x: number; y: number; w: number; h: number } {
  const info = ffprobe(video);
  return { x: Math.round(info.width * 0.3), y: Math.round(info.height * 0.55), w: Math.round(info.width * 0.4), h: Math.round(info.height * 0.25) };
}

async function helpOverlay(page: Page, shots: string): Promise<void> {
  await test.step('the shortcuts help overlay', async () => {
    await page.keyboard.press('?');
    await expect(page.getByTestId('help-overlay')).toContainText('Split the segment at the playhead');
    await shot(page, `${shots}10-help`);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('help-overlay')).toBeHidden();
  });
}

test('an editor edits, saves, reopens and exports a generated clip (no face: nothing renders)', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  const shots = 'generated-';
  mkdirSync(path.join(work, 'exports'), { recursive: true });
  mkdirSync(path.join(work, 'projects'), { recursive: true });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await openApp(page, TOKEN);
  await newProject(page);
  const clip = await openClipAndDub(page, generated, shots);
  await stepFrames(page, clip.fps, shots);
  const seg = await createSegments(page, clip.frameCount);
  await drawOcclusion(page, seg, shots);
  await test.step('pick a lip-habit reference on the timeline', () => pickReferenceOnTimeline(page, shots));
  await expect(page.getByTestId('reference-value')).toContainText('Frames');
  const firstParam = await moveFirstSlider(page);

  await test.step('undo/redo a slider change', async () => {
    const value = (await snapshot(page)).segments[0].params[firstParam];
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await snapshot(page)).segments[0].params[firstParam]).not.toBe(value);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(async () => (await snapshot(page)).segments[0].params[firstParam]).toBe(value);
  });

  const projectFile = path.join(work, 'projects', 'generated.dubproj');
  await save(page, projectFile);
  await test.step('reopen: segments, masks, reference and parameters come back', async () => {
    await reopen(page, projectFile, seg);
    expect(await segmentStatus(page)).toBe('stale');
  });

  await test.step('export H.264: nothing rendered, so every frame is the original’s and the export says which segments went out undubbed', async () => {
    await page.getByTestId('export').click();
    await expect(page.getByTestId('export-warning')).toContainText('2 of 2 segments would go out undubbed');
    await page.getByTestId('export-close').click();
    const out = await exportH264(page, path.join(work, 'exports', 'generated.mp4'), shots, clip);
    await expect(page.getByTestId('export-undubbed')).toContainText('Went out undubbed');
    const crop = mouthCrop(generated.video);
    for (const n of [5, Math.floor((seg.startFrame + seg.endFrame) / 2), clip.frameCount - 15]) expect(cropDiff(out, generated.video, n, crop)).toBeLessThan(4);
    await page.getByTestId('export-close').click();
  });

  await helpOverlay(page, shots);
});

test('an editor dubs a segment of a real clip end to end', async ({ page }) => {
  // Renders need a real face: without ../shared/media this test says so instead of passing
  // silently (the no-face path on generated media is covered by bad-input.spec.ts).
  test.skip(!media.real, `needs the real clips in ${path.resolve(repoRoot, '../shared/media')} (talk-a.mp4, dub-a.wav); not found`);
  test.setTimeout(6 * 60_000);
  mkdirSync(path.join(work, 'exports'), { recursive: true });
  mkdirSync(path.join(work, 'projects'), { recursive: true });
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await openApp(page, TOKEN);
  await newProject(page);
  const { fps, frameCount } = await openClipAndDub(page, media, '');
  await stepFrames(page, fps, '');
  const seg = await createSegments(page, frameCount);
  await drawOcclusion(page, seg, '');

  await test.step('pick a lip-habit reference (suggested candidates, else drawn on the timeline)', async () => {
    await page.getByTestId('suggest-reference').click();
    const candidates = page.getByTestId('reference-candidate');
    await page.waitForFunction(() => {
      const w = window as unknown as { __editor: { store: { getState(): { refCandidates: unknown; busy: string | null } } } };
      const s = w.__editor.store.getState();
      return s.refCandidates !== null && s.busy === null;
    }, null, { timeout: 120_000 });
    if ((await candidates.count()) > 0) {
      await expect(candidates.first()).toContainText('same face');
      // Best first, named by rank.
      await expect(page.getByTestId('candidate-name').first()).toHaveText('Candidate 1 (best)');
      const scores = (await candidates.allTextContents()).map((t) => Number(/score (\d+)%/.exec(t)?.[1] ?? NaN));
      expect(scores.every((x, i) => i === 0 || x <= scores[i - 1])).toBe(true);
      await shot(page, '04-reference-suggestions');
      await page.getByTestId('accept-candidate').first().click();
      await expect.poll(async () => (await snapshot(page)).segments[0].reference?.source).toBe('suggested');
      expect((await snapshot(page)).segments[0].reference?.candidate).toBe(1);
    } else {
      await pickReferenceOnTimeline(page, '');
    }
    await expect(page.getByTestId('reference-value')).toContainText('Frames');
  });

  const firstParam = await moveFirstSlider(page);

  await test.step('render the segment with progress; it becomes ready with a take', async () => {
    await page.getByTestId('render').click();
    await expect(page.getByTestId('render-progress')).toBeVisible();
    await expect.poll(() => segmentStatus(page), { timeout: 60_000 }).toMatch(/rendering|ready/);
    await shot(page, '05-rendering');
    // Interactive preview: composited crops are drawn over the video while the render runs.
    await expect.poll(() => previewFramesDrawn(page), { timeout: 240_000 }).toBeGreaterThan(0);
    const drawnWhileRendering = await segmentStatus(page);
    await shot(page, '05b-render-preview');
    await expect.poll(() => segmentStatus(page), { timeout: 240_000 }).toBe('ready');
    expect(drawnWhileRendering).toBe('rendering');
    await expect(page.getByTestId('render-preview')).toHaveCount(0);
    await expect(page.getByTestId('take')).toHaveCount(1);
    // Takes have human names and say where their reference came from.
    await expect(page.getByTestId('take')).toContainText('Take 1');
    // (An accepted suggestion is named by its rank: the first, the best, was accepted above.)
    await expect(page.getByTestId('take')).toContainText(/\((suggested: Candidate 1|picked)\)/);
    await expect(page.getByTestId('take-changes')).toHaveText('first take');
    await shot(page, '06-rendered');
  });

  await test.step('find the faces and choose the face by clicking it on the preview', async () => {
    await page.getByTestId('find-faces').click();
    await expect(page.getByTestId('face-select').locator('option', { hasText: 'Face 0' })).toHaveCount(1, { timeout: 120_000 });
    await page.getByText('Click face on preview').click();
    const box = (await page.locator('[data-testid="pane-a"] [data-testid="mask-canvas"]').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.45);
    await expect(page.getByTestId('face-select')).toHaveValue('0');
    await shot(page, '06b-faces-union-mask');
    // Choosing the face explicitly changes the settings: undo to keep the rendered take current.
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('face-select')).toHaveValue('');
    await expect.poll(() => segmentStatus(page)).toBe('ready');
  });

  await test.step('occluder suggestions from hands: none over the mouth on talk-a', async () => {
    await page.getByTestId('find-hands').click();
    await expect(page.getByTestId('hand-suggestions-empty')).toContainText('No hands found', { timeout: 120_000 });
    await expect(page.getByTestId('hand-suggestion')).toHaveCount(0);
    await shot(page, '06c-hand-suggestions');
  });

  await test.step('preview A/B: dubbed take over the original with the dub audio, then side by side', async () => {
    await page.locator(`[data-lane="original"] [data-region="seg:${seg.id}"]`).click();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await page.getByTestId('mode-dubbed').click();
    const take = page.getByTestId('video-take');
    await expect(take).toBeVisible();
    await expect(take).toHaveJSProperty('readyState', 4, { timeout: 30_000 });
    expect(await take.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeCloseTo(5.5 / fps, 1);
    // The dubbed view's clock plays the dub mix (picture and dub sound in one file); the
    // separate dub-track elements stay silent.
    await expect(page.getByTestId('video-original')).toHaveAttribute('data-source', 'dub-mix', { timeout: 30_000 });
    expect(await page.getByTestId('video-original').evaluate((v: HTMLVideoElement) => v.muted)).toBe(false);
    expect(await page.locator('audio[data-track]').first().evaluate((a: HTMLAudioElement) => a.muted)).toBe(true);
    await shot(page, '07-preview-dubbed');
    await page.keyboard.press('a');
    await expect(page.getByTestId('mode-original')).toHaveClass(/on/);
    await expect(page.getByTestId('video-original')).toHaveAttribute('data-source', 'clip');
    expect(await page.getByTestId('video-original').evaluate((v: HTMLVideoElement) => v.muted)).toBe(false);
    await page.getByTestId('mode-side-by-side').click();
    await expect(page.getByTestId('pane-b')).toBeVisible();
    await expect(page.getByTestId('pane-b').getByTestId('video-take')).toBeVisible();
    await shot(page, '08-side-by-side');
    // Play the loop for a moment: the clock moves and stays inside the segment.
    await page.getByText('Loop segment').click();
    await page.getByTestId('play').click();
    await page.waitForTimeout(1500);
    await page.keyboard.press('Space');
    const f = (await snapshot(page)).frame;
    expect(f).toBeGreaterThanOrEqual(seg.startFrame);
    expect(f).toBeLessThan(seg.endFrame + 2);
    await page.getByTestId('mode-original').click();
  });

  await test.step('undo/redo a slider change: stale, then ready again without re-rendering', async () => {
    const slider = page.getByTestId(`param-${firstParam}`);
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => segmentStatus(page)).toBe('stale');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => segmentStatus(page)).toBe('ready');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => segmentStatus(page)).toBe('stale');
    await page.getByTestId('undo').click();
    await expect.poll(() => segmentStatus(page)).toBe('ready');
    expect((await snapshot(page)).segments[0].takes).toBe(1);
  });

  await test.step('cancel a render: the job stops, no take is added, the segment stays stale', async () => {
    const slider = page.getByTestId(`param-${firstParam}`);
    await slider.focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => segmentStatus(page)).toBe('stale');
    await page.getByTestId('render').click();
    await expect(page.getByTestId('render-progress')).toBeVisible();
    await page.getByTestId('cancel-render').click();
    await expect(page.getByTestId('render-progress')).toBeHidden({ timeout: 30_000 });
    expect(await segmentStatus(page)).toBe('stale');
    expect((await snapshot(page)).segments[0].takes).toBe(1);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => segmentStatus(page)).toBe('ready');
  });

  const projectFile = path.join(work, 'projects', 'session.dubproj');

  await save(page, projectFile);

  await test.step('reopen: segments, take, mask and reference come back, the take is ready from the cache', async () => {
    await reopen(page, projectFile, seg);
    expect(await segmentStatus(page)).toBe('ready');
  });

  await test.step('segments from the speech detected in the dub track', async () => {
    const before = (await snapshot(page)).segments.length;
    const trackId = (await snapshot(page)).tracks[0].id;
    await page.getByTestId(`speech-${trackId}`).click();
    await expect.poll(async () => (await snapshot(page)).segments.length, { timeout: 60_000 }).toBeGreaterThan(before);
    // The rendered segment is untouched and still ready.
    const s0 = (await snapshot(page)).segments.find((x) => x.id === seg.id)!;
    expect([s0.startFrame, s0.endFrame, s0.takes]).toEqual([seg.startFrame, seg.endFrame, 1]);
  });

  await test.step('export H.264: frames outside ready segments are the original’s', async () => {
    const out = await exportH264(page, path.join(work, 'exports', 'session-dubbed.mp4'), '', { frameCount, fps });
    // The lower face changed inside the rendered segment, and (up to H.264 re-encoding) nothing
    // changed in a frame outside it.
    const mouth = mouthCrop(media.video);
    const mid = Math.floor((seg.startFrame + seg.endFrame) / 2);
    const inside = cropDiff(out, media.video, mid, mouth);
    const outside = cropDiff(out, media.video, 5, mouth);
    expect(outside).toBeLessThan(4);
    expect(inside).toBeGreaterThan(outside + 0.5);
    await page.getByTestId('export-close').click();
  });

  await helpOverlay(page, '');
});
