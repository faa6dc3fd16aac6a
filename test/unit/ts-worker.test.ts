import { describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startModuleWorker } from '../../src/main/util/ts-worker';

describe('startModuleWorker', () => {
  it('in a built app, starts the nearest <name>.js bundle up from a caller in a chunks folder', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ts-worker-'));
    try {
      await mkdir(path.join(dir, 'chunks'));
      await writeFile(path.join(dir, 'echo-worker.js'), "const { parentPort, workerData } = require('node:worker_threads'); parentPort.postMessage(workerData * 2);");
      const w = startModuleWorker(pathToFileURL(path.join(dir, 'chunks', 'caller.js')).href, 'echo-worker', 21);
      const got = await new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      await w.terminate();
      expect(got).toBe(42);
      expect(() => startModuleWorker(pathToFileURL(path.join(dir, 'chunks', 'caller.js')).href, 'missing-worker')).toThrow(/missing-worker\.js was not found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
