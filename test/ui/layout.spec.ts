import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chooseFile, newProject, openApp, openClipAndDub, segmentByKeys, shot, snapshot } from './helpers/app';
import { repoRoot, testMedia } from './helpers/media';

/**
 * Issue #14: screenshots of the main views at 1600x1000 and 1280x720 (test-results/ui-screenshots/
 * layout-<size>-<view>.png), each checked from element boxes: no control outside the window or cut
 * by its container, no text running out of its box without an ellipsis.
 */
const TOKEN = 'e2e-token';
const work = path.join(repoRoot, 'test-results', 'e2e');
const media = testMedia(path.join(work, 'media'));

/** Elements that break the layout, described for the failure message. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const W = window.innerWidth;
    const H = window.innerHeight;
    const bad: string[] = [];
    const name = (el: Element) => {
      const t = (el.textContent ?? '').trim().slice(0, 40);
      return `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : ''} "${t}"`;
    };
    const shown = (el: Element) => {
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return cs.visibility !== 'hidden' && cs.display !== 'none' && r.width > 0 && r.height > 0;
    };
    for (const el of document.querySelectorAll('button, input, select, label, textarea, output, progress')) {
      if (!shown(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.left < -0.5 || r.right > W + 0.5) bad.push(`${name(el)} outside the window horizontally (${Math.round(r.left)}..${Math.round(r.right)} of ${W})`);
      let scrollsY = false;
      for (let a = el.parentElement; a; a = a.parentElement) {
        const cs = getComputedStyle(a);
        const ar = a.getBoundingClientRect();
        if (cs.overflowY === 'auto' || cs.overflowY === 'scroll') scrollsY = true;
        // Cut by a container that hides its overflow (a scroller shows it when scrolled).
        if (cs.overflowX === 'hidden' && (r.right > ar.right + 0.5 || r.left < ar.left - 0.5)) bad.push(`${name(el)} cut by ${name(a)}`);
      }
      if (!scrollsY && (r.top < -0.5 || r.bottom > H + 0.5)) bad.push(`${name(el)} outside the window vertically (${Math.round(r.top)}..${Math.round(r.bottom)} of ${H})`);
    }
    for (const el of document.querySelectorAll('body *')) {
      if (!shown(el) || el.closest('svg, canvas, video, .file-list, [data-lane]')) continue;
      const cs = getComputedStyle(el);
      if (cs.display === 'inline' || el.children.length > 0 || !(el.textContent ?? '').trim()) continue;
      const he = el as HTMLElement;
      if (he.scrollWidth > he.clientWidth + 1 && !(cs.overflowX !== 'visible' && cs.textOverflow === 'ellipsis') && cs.overflowX !== 'auto' && cs.overflowX !== 'scroll') {
        bad.push(`${name(el)} text runs out of its box (${he.scrollWidth} > ${he.clientWidth})`);
      }
      // Clipped by containers that hide overflow: wholly hidden is fine (scrolled out of view),
      // cut in part is not.
      const r = el.getBoundingClientRect();
      let clip = { l: 0, t: 0, r: W, b: H };
      for (let a = el.parentElement; a; a = a.parentElement) {
        const acs = getComputedStyle(a);
        if (acs.overflowX === 'visible' && acs.overflowY === 'visible') continue;
        const ar = a.getBoundingClientRect();
        clip = { l: Math.max(clip.l, ar.left), t: Math.max(clip.t, ar.top), r: Math.min(clip.r, ar.right), b: Math.min(clip.b, ar.bottom) };
      }
      const hidden = r.right <= clip.l || r.left >= clip.r || r.bottom <= clip.t || r.top >= clip.b;
      const cutX = r.left < clip.l - 0.5 || r.right > clip.r + 0.5;
      if (!hidden && cutX && cs.textOverflow !== 'ellipsis') bad.push(`${name(el)} text cut at the edge of its container or the window`);
    }
    return bad;
  });
}

for (const size of [
  { width: 1600, height: 1000 },
  { width: 1280, height: 720 },
]) {
  test(`main views at ${size.width}x${size.height}: screenshots, nothing outside the window`, async ({ page }) => {
    await page.setViewportSize(size);
    page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
    const tag = `layout-${size.width}x${size.height}`;
    const check = async (view: string) => {
      await page.waitForTimeout(150);
      await page.screenshot({ path: path.join(repoRoot, 'test-results', 'ui-screenshots', `${tag}-${view}.png`) });
      expect(await overflowing(page), `${view} at ${size.width}x${size.height}`).toEqual([]);
    };
    await openApp(page, TOKEN);
    await newProject(page);
    await check('01-empty');

    const long = path.join(work, 'media', `${'studio-final-mix-of-the-french-dub-for-episode-four-'.repeat(2)}v3.wav`);
    mkdirSync(path.dirname(long), { recursive: true });
    if (!existsSync(long)) copyFileSync(media.dub, long);
    await openClipAndDub(page, media.video, long);
    await segmentByKeys(page, 10, 30);
    await segmentByKeys(page, 40, 60);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await check('02-segment-inspector');

    await page.getByTestId('mode-side-by-side').click();
    await check('03-side-by-side');
    await page.getByTestId('mode-original').click();

    await page.keyboard.press('=');
    await page.keyboard.press('=');
    await page.keyboard.press('=');
    await check('04-timeline-zoomed');

    await page.getByTestId('export').click();
    await expect(page.getByTestId('export-preflight')).toBeVisible();
    await check('05-export-preflight');
    await page.getByTestId('export-close').click();

    await page.keyboard.press('?');
    await expect(page.getByTestId('help-overlay')).toBeVisible();
    await check('06-help');
    await page.keyboard.press('Escape');

    await page.getByTestId('new-project').click();
    await expect(page.getByTestId('confirm-new')).toBeVisible();
    await check('07-new-asks');
    await page.getByTestId('discard-cancel').click();

    await page.getByTestId('open-video').click();
    await expect(page.getByTestId('file-dialog')).toBeVisible();
    await check('08-file-dialog');
    await page.keyboard.press('Escape');
    expect((await snapshot(page)).segments).toHaveLength(2);
    void chooseFile;
    void shot;
  });
}
