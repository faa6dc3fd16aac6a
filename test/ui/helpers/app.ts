import { expect, type Page } from '@playwright/test';
import path from 'node:path';
import { repoRoot } from './media';

export const SCREENSHOT_DIR = path.join(repoRoot, 'test-results', 'ui-screenshots');

/** Saves a full-window screenshot of the current view. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** Picks a file through the bridge's file dialog by typing its path. */
export async function chooseFile(page: Page, file: string): Promise<void> {
  const dialog = page.getByTestId('file-dialog');
  await expect(dialog).toBeVisible();
  // Let the folder listing arrive first: it sets the path field, and typing during that update
  // raced with it (the field ended up as "<folder><typed path>").
  await expect(dialog.locator('[data-testid="file-list"][data-loaded="yes"]')).toBeAttached();
  await page.getByTestId('file-path').fill(file);
  await expect(page.getByTestId('file-path')).toHaveValue(file);
  await page.getByTestId('file-ok').click();
  await expect(dialog).toBeHidden();
}

/** A snapshot of editor state for assertions (read-only). */
export interface EditorSnapshot {
  frame: number;
  projectPath: string | null;
  video: { path: string; frameCount: number; fps: number } | null;
  tracks: Array<{ id: string; path: string }>;
  segments: Array<{
    id: string;
    startFrame: number;
    endFrame: number;
    params: Record<string, number>;
    takes: number;
    activeTakeId: string | null;
    shapes: number;
    reference: { startFrame: number; endFrame: number; source: string; candidate?: number } | null;
    failure: { code: string; message: string } | null;
  }>;
  undo: number;
  redo: number;
  peaks: Record<string, boolean>;
  toasts: Array<{ kind: string; message: string; hint?: string; code?: string }>;
  cacheDir: string;
}

export async function snapshot(page: Page): Promise<EditorSnapshot> {
  return page.evaluate(() => {
    const w = window as unknown as { __editor: { store: { getState(): Record<string, unknown> } } };
    const s = w.__editor.store.getState() as never as {
      frame: number;
      projectPath: string | null;
      history: { past: unknown[]; future: unknown[]; present: { video: { path: string; frameCount: number; fps: number } | null; tracks: Array<{ id: string; path: string }>; segments: Array<Record<string, never>> } };
      media: Record<string, { peaks?: unknown }>;
      toasts: Array<{ kind: string; message: string; hint?: string; code?: string }>;
      info: { cacheDir: string } | null;
    };
    const p = s.history.present;
    return {
      frame: s.frame,
      projectPath: s.projectPath,
      video: p.video ? { path: p.video.path, frameCount: p.video.frameCount, fps: p.video.fps } : null,
      tracks: p.tracks.map((t) => ({ id: t.id, path: t.path })),
      segments: p.segments.map((x: Record<string, never>) => {
        const seg = x as unknown as {
          id: string;
          startFrame: number;
          endFrame: number;
          params: Record<string, number>;
          takes: unknown[];
          activeTakeId: string | null;
          occlusion: { shapes: unknown[] };
          reference: { startFrame: number; endFrame: number; source: string; candidate?: number } | null;
          failure: { code: string; message: string } | null;
        };
        return {
          id: seg.id,
          startFrame: seg.startFrame,
          endFrame: seg.endFrame,
          params: seg.params,
          takes: seg.takes.length,
          activeTakeId: seg.activeTakeId,
          shapes: seg.occlusion.shapes.length,
          reference: seg.reference,
          failure: seg.failure ? { code: seg.failure.code, message: seg.failure.message } : null,
        };
      }),
      undo: s.history.past.length,
      redo: s.history.future.length,
      peaks: Object.fromEntries(Object.entries(s.media).map(([k, v]) => [k, !!v.peaks])),
      toasts: s.toasts,
      cacheDir: s.info?.cacheDir ?? '',
    };
  });
}

/** Waits until the page's API is connected and the engines are listed. */
export async function openApp(page: Page, token: string): Promise<void> {
  await page.goto(`/?token=${token}`);
  await expect(page.getByTestId('toolbar')).toBeVisible();
  await page.waitForFunction(() => {
    const w = window as unknown as { __editor?: { store: { getState(): { ready: boolean; info: unknown; engines: unknown[] } } } };
    const s = w.__editor?.store.getState();
    return !!s?.ready && !!s.info && s.engines.length > 0;
  }, null, { timeout: 120_000 });
}

/** Starts from an empty, untitled project (whatever an earlier test left autosaved). */
export async function newProject(page: Page): Promise<void> {
  await page.getByTestId('new-project').click();
  // An edited project (an earlier test's autosave, restored) asks first: discard it.
  const ask = page.getByTestId('confirm-new');
  await expect.poll(async () => (await ask.isVisible()) || (await snapshot(page)).video === null).toBe(true);
  if (await ask.isVisible()) await page.getByTestId('discard-confirm').click();
  await expect.poll(async () => (await snapshot(page)).video).toBeNull();
}

/** Drags horizontally across a lane between two fractions of its width. */
export async function dragOnLane(page: Page, laneId: string, from: number, to: number): Promise<void> {
  const box = await page.locator(`[data-lane="${laneId}"]`).boundingBox();
  if (!box) throw new Error(`lane ${laneId} not visible`);
  const y = box.y + 28;
  await page.mouse.move(box.x + box.width * from, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * ((from + to) / 2), y, { steps: 4 });
  await page.mouse.move(box.x + box.width * to, y, { steps: 4 });
  await page.mouse.up();
}

/** Opens a clip and a dub track in the current (empty) project and waits for both waveforms. */
export async function openClipAndDub(page: Page, video: string, dub: string): Promise<void> {
  await page.getByTestId('open-video').click();
  await chooseFile(page, video);
  await expect(page.getByTestId('video-original')).toHaveJSProperty('readyState', 4, { timeout: 60_000 });
  await page.getByTestId('add-dub').click();
  await chooseFile(page, dub);
  await expect.poll(async () => Object.values((await snapshot(page)).peaks).filter(Boolean).length, { timeout: 90_000 }).toBe(2);
}

/** Moves the playhead to `frame` (the same call the arrow keys end in). */
export async function seekFrame(page: Page, frame: number): Promise<void> {
  await page.evaluate((f) => (window as unknown as { __editor: { playback: { seekFrame(n: number): void } } }).__editor.playback.seekFrame(f), frame);
  await expect.poll(async () => (await snapshot(page)).frame).toBe(frame);
}

/** Creates the segment [start, end) with I, O and N; returns its id. */
export async function segmentByKeys(page: Page, start: number, end: number): Promise<string> {
  const before = new Set((await snapshot(page)).segments.map((s) => s.id));
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await seekFrame(page, start);
  await page.keyboard.press('i');
  await seekFrame(page, end - 1);
  await page.keyboard.press('o');
  await page.keyboard.press('n');
  await expect.poll(async () => (await snapshot(page)).segments.filter((s) => !before.has(s.id)).length).toBe(1);
  return (await snapshot(page)).segments.find((s) => !before.has(s.id))!.id;
}

/** Render jobs the services know of (any state), as the page's API sees them. */
export async function renderJobs(page: Page, segmentId?: string): Promise<Array<{ jobId: string; state: string; segmentId: string | null }>> {
  const jobs = await page.evaluate(async () => {
    const w = window as unknown as { __editor: { api: { call(c: string, r: unknown): Promise<{ jobs: Array<{ jobId: string; kind: string; state: string; segmentId: string | null }> }> } } };
    return (await w.__editor.api.call('jobs.list', {})).jobs;
  });
  return jobs.filter((j) => j.kind === 'render' && (!segmentId || j.segmentId === segmentId)).map((j) => ({ jobId: j.jobId, state: j.state, segmentId: j.segmentId }));
}
