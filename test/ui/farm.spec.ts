import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { newProject, openApp, openClipAndDub, segmentByKeys } from './helpers/app';
import { repoRoot, sharedMediaDir, testMedia } from './helpers/media';
import { startLocalRedis, type LocalRedis } from '../../src/main/farm/local-redis';

/**
 * Issue #15 (editor): the render farm setting and "render all" on the farm, through the bridge.
 * A private redis-server with no worker: the segment's job waits on the farm, which is what the
 * per-segment progress shows; cancel then removes it. Screenshots in /tmp/ui-farm.
 */
const TOKEN = 'e2e-token';
const work = path.join(repoRoot, 'test-results', 'e2e');
const media = testMedia(path.join(work, 'media'));
const SHOTS = process.env.UI_FARM_SHOTS ?? '/tmp/ui-farm';

async function toastText(page: Page): Promise<string> {
  return (await page.locator('[data-testid="toasts"], .toasts').allTextContents()).join(' | ');
}

test('render all targets the farm set in the settings', async ({ page }) => {
  test.setTimeout(5 * 60_000);
  mkdirSync(SHOTS, { recursive: true });
  const farmCache = path.join(work, 'farm-cache');
  mkdirSync(farmCache, { recursive: true });
  let redis: LocalRedis | null = null;
  try {
    redis = await startLocalRedis();
  } catch {
    test.skip(true, 'needs redis-server');
  }
  try {
    await openApp(page, TOKEN);
    await newProject(page);
    await openClipAndDub(page, media.video, media.dub);
    await segmentByKeys(page, 12, 20);
    await expect(page.getByTestId('render-all')).toHaveAttribute('data-farm', 'false');

    await test.step('an invalid setting is refused with the reason', async () => {
      await page.getByTestId('settings').click();
      await page.getByTestId('farm-url').fill('http://not-redis');
      await page.getByTestId('farm-root-cache').fill(farmCache);
      await page.getByTestId('settings-save').click();
      await expect.poll(() => toastText(page)).toMatch(/redis:\/\//);
      await expect(page.getByTestId('settings-dialog')).toBeVisible();
    });

    await test.step('the farm URL and roots are saved (per machine)', async () => {
      await page.getByTestId('farm-url').fill(redis!.url);
      await page.getByTestId('farm-root-media').fill(media.real ? sharedMediaDir : path.join(work, 'media'));
      await page.getByTestId('farm-root-cache').fill(farmCache);
      await page.screenshot({ path: path.join(SHOTS, 'settings.png') });
      await page.getByTestId('settings-save').click();
      await expect(page.getByTestId('settings-dialog')).toBeHidden();
      const stored = await page.evaluate(async () => {
        const w = window as unknown as { __editor: { api: { call(c: string, r: unknown): Promise<{ farm: { redisUrl: string } | null }> } } };
        return w.__editor.api.call('settings.get', {});
      });
      expect(stored.farm?.redisUrl).toBe(redis!.url);
    });

    await test.step('render all says it uses the farm and shows the segment waiting on it', async () => {
      await expect(page.getByTestId('render-all')).toHaveAttribute('data-farm', 'true');
      await expect(page.getByTestId('render-all')).toContainText('on the farm');
      await page.getByTestId('render-all').click();
      await expect(page.getByTestId('batch-progress')).toContainText('on the farm');
      await expect.poll(() => toastText(page)).toMatch(/on the farm redis:\/\/127\.0\.0\.1/);
      await expect(page.getByTestId('render-progress')).toBeVisible();
      // Tracking runs here first; then the job waits on the farm (no worker in this test).
      await expect(page.getByTestId('render-progress')).toContainText('waiting for a farm worker', { timeout: 180_000 });
      await expect(page.getByTestId('render-progress')).not.toContainText('left');
      await page.screenshot({ path: path.join(SHOTS, 'render-all-farm.png') });
      await page.getByTestId('batch-cancel').click();
      await expect(page.getByTestId('render-progress')).toBeHidden({ timeout: 30_000 });
    });
  } finally {
    // Later specs render locally.
    await page
      .evaluate(async () => {
        const w = window as unknown as { __editor: { api: { call(c: string, r: unknown): Promise<unknown> } } };
        await w.__editor.api.call('settings.set', { version: 1, farm: null });
      })
      .catch(() => undefined);
    await redis?.stop();
  }
});
