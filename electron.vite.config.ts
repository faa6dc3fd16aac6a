import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { buildCsp } from './src/main/app/security';

/**
 * Packaged pages load from file://, which has no response headers, so the production build
 * carries the Content-Security-Policy in a <meta> tag (the dev server gets it as a header from
 * the main process, see src/main/app/window.ts).
 */
function cspMeta(): Plugin {
  return {
    name: 'dubbing-csp-meta',
    apply: 'build',
    transformIndexHtml(html) {
      const csp = buildCsp({ dev: false });
      return html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${csp}" />`);
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        // The app entry, the inference host (a utilityProcess entry) and the worker threads the
        // pipeline starts (`startModuleWorker`: `./<name>.js` next to the starting module) are
        // separate bundles.
        input: {
          index: resolve('src/main/app/index.ts'),
          host: resolve('src/main/services/host/host-entry.ts'),
          'track-worker': resolve('src/main/tracking/track-worker.ts'),
          'warp-worker': resolve('src/main/engines/reference/warp-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require node_modules: bundle everything into one CommonJS file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react(), cspMeta()],
    build: {
      outDir: 'out/renderer',
      rolldownOptions: { input: resolve('src/renderer/index.html') },
    },
  },
});
