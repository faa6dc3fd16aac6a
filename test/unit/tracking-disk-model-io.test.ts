import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskModelHandler, registerDiskModelLoader } from '../../src/main/tracking/disk-model-io';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'disk-model-'));
  const model = {
    format: 'graph-model',
    modelTopology: { node: [] },
    weightsManifest: [
      {
        paths: ['shard1.bin', 'shard2.bin'],
        weights: [
          { name: 'a', shape: [2], dtype: 'float32' },
          { name: 'b', shape: [1], dtype: 'float32' },
        ],
      },
    ],
  };
  await writeFile(join(dir, 'model.json'), JSON.stringify(model));
  await writeFile(join(dir, 'shard1.bin'), Buffer.from(new Float32Array([1, 2]).buffer));
  await writeFile(join(dir, 'shard2.bin'), Buffer.from(new Float32Array([3]).buffer));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('disk model loader', () => {
  it('reads the model JSON and concatenates the weight shards', async () => {
    const artifacts = await diskModelHandler(tf.io, join(dir, 'model.json')).load!();
    expect(artifacts.weightSpecs!.map((w) => w.name)).toEqual(['a', 'b']);
    expect(Array.from(new Float32Array(artifacts.weightData as ArrayBuffer))).toEqual([1, 2, 3]);
    expect(artifacts.modelTopology).toEqual({ node: [] });
  });

  it('routes file:// URLs once, however often it is registered, and ignores http', async () => {
    const httpBefore = tf.io.getLoadHandlers('http://example.com/model.json').length;
    registerDiskModelLoader(tf.io);
    registerDiskModelLoader(tf.io);
    const url = pathToFileURL(join(dir, 'model.json')).href;
    const handlers = tf.io.getLoadHandlers(url);
    expect(handlers).toHaveLength(1);
    const artifacts = await handlers[0].load!();
    expect((artifacts.weightData as ArrayBuffer).byteLength).toBe(12);
    expect(tf.io.getLoadHandlers('http://example.com/model.json')).toHaveLength(httpBefore);
  });

  it('rejects with the fs error for a missing model', async () => {
    await expect(diskModelHandler(tf.io, join(dir, 'nope.json')).load!()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
