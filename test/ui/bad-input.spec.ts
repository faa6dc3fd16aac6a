import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chooseFile, dragOnLane, newProject, openApp, shot, snapshot } from './helpers/app';
import { generatedMedia, repoRoot } from './helpers/media';

/**
 * Bad input through the UI never loses work: a file that is not a video, audio ffmpeg cannot
 * read, a clip without faces, a corrupt project file, and a crashed inference host each show a
 * clear message (and hint) while the open project stays as it was.
 */
const TOKEN = 'e2e-token';
const dir = path.join(repoRoot, 'test-results', 'e2e', 'bad');

async function lastError(page: Page): Promise<{ message: string; hint?: string; code?: string }> {
  const errors = (await snapshot(page)).toasts.filter((t) => t.kind === 'error');
  return errors[errors.length - 1] ?? { message: '' };
}

async function dismissToasts(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __editor: { store: { setState(s: object): void } } };
    w.__editor.store.setState({ toasts: [] });
  });
}

test('bad input shows a clear message and loses nothing', async ({ page }) => {
  test.setTimeout(4 * 60_000);
  mkdirSync(dir, { recursive: true });
  const notVideo = path.join(dir, 'notes.mp4');
  writeFileSync(notVideo, 'this is a text file, not a video\n');
  const garbageAudio = path.join(dir, 'broken.wav');
  writeFileSync(garbageAudio, Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), Buffer.alloc(4000, 0x5a)]));
  const corrupt = path.join(dir, 'corrupt.dubproj');
  writeFileSync(corrupt, '{"version": 2, "name": "half a proj');
  // A clip without faces, long enough that face tracking is still running when the host crashes.
  const noFace = generatedMedia(path.join(dir, 'media'), { seconds: 12, size: 480 });

  await openApp(page, TOKEN);
  await newProject(page);

  await test.step('a file that is not a video', async () => {
    await page.getByTestId('open-video').click();
    await chooseFile(page, notVideo);
    await expect(page.getByTestId('toast-error')).toBeVisible({ timeout: 60_000 });
    const err = await lastError(page);
    expect(err.message).toContain('notes.mp4');
    expect(err.hint?.length).toBeGreaterThan(5);
    expect((await snapshot(page)).video).toBeNull();
    await shot(page, '11-error-not-a-video');
    await dismissToasts(page);
  });

  await test.step('audio that ffmpeg cannot read', async () => {
    await page.getByTestId('open-video').click();
    await chooseFile(page, noFace.video);
    await expect.poll(async () => (await snapshot(page)).video?.frameCount, { timeout: 60_000 }).toBe(300);
    await page.getByTestId('add-dub').click();
    await chooseFile(page, garbageAudio);
    await expect(page.getByTestId('toast-error')).toBeVisible({ timeout: 60_000 });
    expect((await lastError(page)).message).toContain('broken.wav');
    expect((await snapshot(page)).tracks).toHaveLength(0);
    await dismissToasts(page);
    await page.getByTestId('add-dub').click();
    await chooseFile(page, noFace.dub);
    await expect.poll(async () => (await snapshot(page)).tracks.length, { timeout: 60_000 }).toBe(1);
  });

  await test.step('a crashed inference host fails the running job and is restarted', async () => {
    await dragOnLane(page, 'original', 0.3, 0.5);
    await expect.poll(async () => (await snapshot(page)).segments.length).toBe(1);
    await page.getByTestId('render').click();
    await expect(page.getByTestId('render-progress')).toContainText(/track|probe|audio|queued|starting/, { timeout: 60_000 });
    await page.evaluate(async () => {
      const w = window as unknown as { __editor: { api: { call(c: string, r: object): Promise<unknown> } } };
      await w.__editor.api.call('debug.crashHost', {});
    });
    await expect(page.getByTestId('render-error')).toContainText('stopped unexpectedly', { timeout: 60_000 });
    expect((await snapshot(page)).segments[0].failure?.code).toBe('E_HOST_CRASHED');
    await expect(page.getByTestId('segment-status')).toHaveText('failed');
    // The window still works: edits and undo respond.
    await page.getByTestId('segment-label').fill('after crash');
    await expect(page.getByTestId('segment-label')).toHaveValue('after crash');
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('segment-label')).toHaveValue('');
    await shot(page, '12-host-crash');
    await dismissToasts(page);
  });

  await test.step('a clip without faces: the render fails with a message, the segment is kept', async () => {
    await page.getByTestId('render').click();
    await expect(page.getByTestId('render-error')).toContainText(/face/i, { timeout: 180_000 });
    const s = await snapshot(page);
    expect(s.segments).toHaveLength(1);
    expect(s.segments[0].failure?.code).toMatch(/FACE/);
    await shot(page, '13-no-face');
    await dismissToasts(page);
  });

  await test.step('a corrupt project file', async () => {
    await page.keyboard.press('Control+s');
    await chooseFile(page, path.join(dir, 'ok.dubproj'));
    await expect(page.getByTestId('project-name')).toHaveText('ok.dubproj');
    const before = await snapshot(page);
    await page.getByTestId('open-project').click();
    await chooseFile(page, corrupt);
    await expect(page.getByTestId('toast-error')).toBeVisible();
    const err = await lastError(page);
    expect(err.code).toBe('E_PROJECT_CORRUPT');
    expect(err.message).toContain('corrupt.dubproj');
    const after = await snapshot(page);
    expect(after.projectPath).toBe(before.projectPath);
    expect(after.segments).toEqual(before.segments);
    await shot(page, '14-error-corrupt-project');
    await dismissToasts(page);
  });

  await test.step('missing media on open: a relink dialog, not a crash', async () => {
    // A project whose dub track was moved after saving.
    const movedDir = path.join(dir, 'moved');
    mkdirSync(movedDir, { recursive: true });
    const dub = path.join(dir, 'to-move.wav');
    copyFileSync(noFace.dub, dub);
    await page.getByTestId('add-dub').click();
    await chooseFile(page, dub);
    await expect.poll(async () => (await snapshot(page)).tracks.length, { timeout: 60_000 }).toBe(2);
    await page.keyboard.press('Control+s');
    await expect.poll(async () => (await snapshot(page)).undo).toBeGreaterThan(0);
    const saved = (await snapshot(page)).projectPath!;
    renameSync(dub, path.join(movedDir, 'to-move.wav'));
    await newProject(page);
    await page.getByTestId('open-project').click();
    await chooseFile(page, saved);
    await expect(page.getByTestId('relink-dialog')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('relink-dialog')).toContainText('to-move.wav');
    expect((await snapshot(page)).tracks).toHaveLength(2);
    await shot(page, '15-relink');
    await page.getByTestId('relink-path').fill(path.join(movedDir, 'to-move.wav'));
    await page.getByTestId('relink-apply').click();
    await expect(page.getByTestId('relink-dialog')).toContainText('All media found');
    expect((await snapshot(page)).tracks.map((t) => t.path)).toContain(path.join(movedDir, 'to-move.wav'));
  });
});
