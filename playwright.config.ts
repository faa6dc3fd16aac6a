import { existsSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * UI tests: the renderer runs in Debian's Chromium (/usr/bin/chromium; never a downloaded
 * browser) against the real services through the loopback bridge (`npm run serve`), which this
 * config starts. Work files (cache, autosaves, generated media, exports) live in
 * test-results/e2e; screenshots of each main view in test-results/ui-screenshots.
 */
const repoRoot = path.dirname(new URL(import.meta.url).pathname);
const E2E_DIR = path.join(repoRoot, 'test-results', 'e2e');
const E2E_PORT = Number(process.env.DUBBING_E2E_PORT ?? 4927);
const E2E_TOKEN = 'e2e-token';
const sharedMedia = path.resolve(repoRoot, '../shared/media');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const roots = [E2E_DIR, ...(existsSync(sharedMedia) ? [sharedMedia] : [])].map((r) => `--root ${JSON.stringify(r)}`).join(' ');

export default defineConfig({
  testDir: 'test/ui',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/playwright',
  fullyParallel: false,
  workers: 1,
  // One retry as a safety net on loaded 2-core CI machines (a real failure still fails twice).
  // The flake seen before (a file-chooser race: a late folder listing overwrote the typed path)
  // is fixed; DUBBING_HOST_TRACE=1 logs every host call with its duration when diagnosing.
  retries: 1,
  timeout: 6 * 60_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  globalSetup: './test/ui/global-setup.ts',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    viewport: { width: 1400, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: existsSync(chromium) ? chromium : undefined,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
    },
  },
  webServer: {
    command: `node node_modules/tsx/dist/cli.mjs src/main/bridge/serve.ts --port ${E2E_PORT} ${roots} --cache ${JSON.stringify(path.join(E2E_DIR, 'cache'))} --state ${JSON.stringify(path.join(E2E_DIR, 'state'))} --test-hooks --token ${E2E_TOKEN}`,
    url: `http://127.0.0.1:${E2E_PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
