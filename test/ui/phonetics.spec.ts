import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { chooseFile, newProject, openApp, openClipAndDub, segmentByKeys, shot, snapshot } from './helpers/app';
import { generatedMedia, repoRoot, sharedMediaDir } from './helpers/media';

/**
 * Issue #13, the editor part: import the dub's script for the whole dub track, see the labial
 * lane under the dub waveform mark bilabials (p b m) and labiodentals (f v) from the espeak-ng
 * alignment, and the inspector say which phone timing each segment renders with. Then the other
 * sources: recognized phones (pocketsphinx) without a script, a script per segment, and a bad
 * file refused with a clear message.
 *
 * Media: the real clip talk-a.mp4 dubbed with dub-a.wav from ../shared/media, with the words
 * pocketsphinx hears in dub-a as the script; where the shared clips are absent, a generated clip
 * with a dub spoken by espeak-ng from the script (skipped when espeak-ng is missing too).
 */
const TOKEN = 'e2e-token';
const work = path.join(repoRoot, 'test-results', 'e2e');

/** Words of dub-a.wav as pocketsphinx transcribes them (near enough for a forced alignment). */
const DUB_A_TEXT = 'Or the address would be discontinued and need to be replaced by a new benchmark rate.';
const SYNTH_TEXT = 'Maybe Bob brought five big brown bears from the marsh.';

function espeakAvailable(): boolean {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function phoneticsMedia(): { video: string; dub: string; text: string; real: boolean } | null {
  const video = path.join(sharedMediaDir, 'talk-a.mp4');
  const dub = path.join(sharedMediaDir, 'dub-a.wav');
  if (existsSync(video) && existsSync(dub)) return { video, dub, text: DUB_A_TEXT, real: true };
  if (!espeakAvailable()) return null;
  const dir = path.join(work, 'media');
  const gen = generatedMedia(dir, { seconds: 4 });
  const speech = path.join(dir, 'espeak-dub.wav');
  if (!existsSync(speech)) execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', speech, SYNTH_TEXT], { stdio: 'pipe' });
  return { video: gen.video, dub: speech, text: SYNTH_TEXT, real: false };
}

const media = phoneticsMedia();

test.use({ viewport: { width: 1600, height: 1000 } });

/** Text elements that run out of their box without an ellipsis, inside `root`. */
async function overflowingText(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((roots) => {
    const bad: string[] = [];
    for (const root of roots) {
      for (const el of [root, ...root.querySelectorAll('*')]) {
        const he = el as HTMLElement;
        const cs = getComputedStyle(he);
        const r = he.getBoundingClientRect();
        if (cs.display === 'none' || r.width === 0 || he.children.length > 0 || !(he.textContent ?? '').trim() || cs.display === 'inline') continue;
        if (he.scrollWidth > he.clientWidth + 1 && cs.textOverflow !== 'ellipsis') bad.push(`${he.tagName} "${(he.textContent ?? '').slice(0, 40)}" (${he.scrollWidth} > ${he.clientWidth})`);
        const rr = root.getBoundingClientRect();
        if (r.right > rr.right + 0.5 && cs.textOverflow !== 'ellipsis') bad.push(`${he.tagName} "${(he.textContent ?? '').slice(0, 40)}" past its panel`);
      }
    }
    return bad;
  });
}

test('a script imported for the dub track marks labials on the lane; the inspector names the timing source', async ({ page }) => {
  test.skip(!media, `needs ${sharedMediaDir}/talk-a.mp4 and dub-a.wav, or espeak-ng to speak a generated dub: neither found`);
  test.setTimeout(5 * 60_000);
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  const m = media!;
  mkdirSync(work, { recursive: true });
  const scripts = mkdtempSync(path.join(work, 'scripts-'));
  const scriptFile = path.join(scripts, 'dub-script.txt');
  writeFileSync(scriptFile, `${m.text}\n`);

  await openApp(page, TOKEN);
  await newProject(page);
  await openClipAndDub(page, m.video, m.dub);
  const trackId = (await snapshot(page)).tracks[0].id;
  const frames = (await snapshot(page)).video!.frameCount;
  const segId = await segmentByKeys(page, 5, Math.min(frames, 110));
  const lane = page.getByTestId(`labial-lane-${trackId}`);
  const marks = lane.locator('[data-testid="labial-mark"]');

  await test.step('without a script the lane waits to be asked (no recognition behind the user’s back)', async () => {
    await expect(lane).toBeVisible();
    await expect(lane).toHaveAttribute('data-state', 'none');
    await expect(page.getByTestId(`find-labials-${trackId}`)).toBeVisible();
    await expect(page.getByTestId('phonetic-source')).toContainText('not computed yet');
  });

  await test.step('import the script for the dub track: espeak-ng alignment, bilabial marks on the lane', async () => {
    await page.getByTestId(`import-script-${trackId}`).click();
    await chooseFile(page, scriptFile);
    await expect(lane).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });
    await expect(lane).toHaveAttribute('data-source', 'script');
    await expect(page.getByTestId(`labial-source-${trackId}`)).toContainText('script (espeak-ng alignment)');
    await expect.poll(() => marks.and(page.locator('[data-kind="bilabial"]')).count()).toBeGreaterThanOrEqual(1);
    const first = marks.and(page.locator('[data-kind="bilabial"]')).first();
    await expect(first).toHaveAttribute('title', /Bilabial \(p b m\)/);
    const color = await first.evaluate((e) => getComputedStyle(e).backgroundColor);
    const labiodental = marks.and(page.locator('[data-kind="labiodental"]'));
    if ((await labiodental.count()) > 0) {
      expect(await labiodental.first().evaluate((e) => getComputedStyle(e).backgroundColor)).not.toBe(color);
      await expect(labiodental.first()).toHaveAttribute('title', /Labiodental \(f v\)/);
    }
    // The marks lie on the lane, under the dub waveform, inside the clip's time axis.
    const laneBox = (await lane.locator('.labial-lane').boundingBox())!;
    const markBox = (await first.boundingBox())!;
    expect(markBox.x).toBeGreaterThanOrEqual(laneBox.x - 1);
    expect(markBox.x + markBox.width).toBeLessThanOrEqual(laneBox.x + laneBox.width + 1);
    const waveBox = (await page.locator(`[data-lane="track:${trackId}"]`).boundingBox())!;
    expect(laneBox.y).toBeGreaterThanOrEqual(waveBox.y + waveBox.height - 1);
    await expect(lane).toBeInViewport();
    // The project keeps the script (saved with it) and the render key changed with it.
    const saved = await page.evaluate(() => (window as unknown as { __editor: { store: { getState(): { history: { present: { tracks: Array<{ script?: { name: string; format: string } }> } } } } } }).__editor.store.getState().history.present.tracks[0].script);
    expect(saved).toMatchObject({ name: 'dub-script.txt', format: 'text' });
  });

  await test.step('the inspector says the segment renders with the script', async () => {
    await expect(page.getByTestId('phonetics-panel')).toBeVisible();
    await page.getByTestId('phonetics-panel').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('segment-script')).toContainText('Track script: dub-script.txt');
    await expect(page.getByTestId('phonetic-source')).toContainText('script (espeak-ng alignment)');
    await expect(page.getByTestId('phonetic-source')).toHaveAttribute('data-source', 'script');
    await expect(page.getByTestId('phonetic-note')).toContainText(/aligned/);
    expect(await overflowingText(page, '[data-testid="phonetics-panel"]')).toEqual([]);
    expect(await overflowingText(page, `[data-testid="labial-lane-${trackId}"] .labial-bar`)).toEqual([]);
    await shot(page, 'phonetics-script-1600x1000');
  });

  await test.step('without the script (undo): recognized phones on request', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(async () => page.evaluate(() => !!(window as unknown as { __editor: { store: { getState(): { history: { present: { tracks: Array<{ script?: unknown }> } } } } } }).__editor.store.getState().history.present.tracks[0].script)).toBe(false);
    await page.getByTestId(`find-labials-${trackId}`).click();
    await expect(lane).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });
    await expect(lane).toHaveAttribute('data-source', /recognizer|none/);
    const source = await lane.getAttribute('data-source');
    await expect(page.getByTestId('phonetic-source')).toContainText(source === 'recognizer' ? 'recognized phones (pocketsphinx)' : 'audio features only');
  });

  await test.step('a script for the segment alone; a bad file is refused with a message', async () => {
    const bad = path.join(scripts, 'empty.txt');
    writeFileSync(bad, '   \n');
    await page.getByTestId('import-segment-script').click();
    await chooseFile(page, bad);
    await expect(page.getByTestId('toast-error')).toContainText('The script empty.txt is empty.');
    await page.getByTestId('import-segment-script').click();
    await chooseFile(page, scriptFile);
    await expect(page.getByTestId('segment-script')).toContainText('Own script: dub-script.txt');
    await expect(page.getByTestId('phonetic-source')).toHaveAttribute('data-source', 'script', { timeout: 90_000 });
    await expect(page.getByTestId('phonetic-source')).toContainText('script (espeak-ng alignment)');
    await expect.poll(() => marks.and(page.locator('[data-kind="bilabial"]')).count()).toBeGreaterThanOrEqual(1);
    await expect(page.getByTestId(`labial-source-${trackId}`)).toContainText('1 segment with own script');
    expect(await overflowingText(page, '[data-testid="phonetics-panel"]')).toEqual([]);
    expect(await overflowingText(page, `[data-testid="labial-lane-${trackId}"] .labial-bar`)).toEqual([]);
    await shot(page, 'phonetics-segment-1600x1000');
    // The project overview lists the segment with its source.
    await page.getByTestId('segment-panel').getByRole('button', { name: 'close' }).click();
    await expect(page.getByTestId('segment-phone-source').first()).toContainText('script (espeak-ng alignment)');
    await shot(page, 'phonetics-overview-1600x1000');
    // Smaller window: the lane's bar still fits (its status line ends in an ellipsis).
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.locator('.seg-list button.link').first().click();
    await expect(page.getByTestId('phonetics-panel')).toBeVisible();
    expect(await overflowingText(page, '[data-testid="phonetics-panel"]')).toEqual([]);
    expect(await overflowingText(page, `[data-testid="labial-lane-${trackId}"] .labial-bar`)).toEqual([]);
    await shot(page, 'phonetics-segment-1280x720');
    expect(segId).toBeTruthy();
  });
});
