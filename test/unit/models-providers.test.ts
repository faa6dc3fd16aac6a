import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSessionWithFallback, defaultProviderOrder, resolveProviderOrder } from '../../src/main/models/providers';
import { closeAllPacks } from '../../src/main/models/sessions';
import { createLatentDiffusionEngine } from '../../src/main/engines/latent-diffusion';
import { UserError } from '../../src/main/util/errors';
import { GraphBuilder } from '../helpers/onnx-builder';
import { writeTinyLdPack } from '../helpers/tiny-packs';

let root: string;
let model: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'providers-'));
  const g = new GraphBuilder();
  g.input('x', 'float32', ['B', 4]);
  g.op('Relu', ['x'], {}, 'y');
  g.output('y', 'float32', ['B', 4]);
  model = path.join(root, 'relu.onnx');
  await writeFile(model, g.toBytes());
});
afterAll(async () => {
  await closeAllPacks(root);
  await rm(root, { recursive: true, force: true });
});

describe('execution provider order', () => {
  it('normalizes names and aliases, keeps the order, drops duplicates', () => {
    expect(resolveProviderOrder(['CUDA', 'directml', 'cpu', 'cuda'])).toEqual(['cuda', 'dml', 'cpu']);
    expect(resolveProviderOrder('coreml, cpu')).toEqual(['coreml', 'cpu']);
    expect(() => resolveProviderOrder(['tpu'])).toThrow(/Unknown execution provider "tpu"/);
    expect(() => resolveProviderOrder([])).toThrow(UserError);
    expect(defaultProviderOrder('linux')).toEqual(['cuda', 'cpu']);
    expect(defaultProviderOrder('win32')).toEqual(['cuda', 'dml', 'cpu']);
    expect(defaultProviderOrder('darwin')).toEqual(['coreml', 'cpu']);
  });

  it('reads $DUB_EXECUTION_PROVIDERS when no list is given', () => {
    const old = process.env.DUB_EXECUTION_PROVIDERS;
    process.env.DUB_EXECUTION_PROVIDERS = 'cpu';
    try {
      expect(resolveProviderOrder()).toEqual(['cpu']);
    } finally {
      if (old === undefined) delete process.env.DUB_EXECUTION_PROVIDERS;
      else process.env.DUB_EXECUTION_PROVIDERS = old;
    }
  });

  it('falls back in order with a clear message and reports the provider used', async () => {
    const logs: string[] = [];
    const r = await createSessionWithFallback(model, ['cuda', 'dml', 'cpu'], 'relu', { log: (m) => logs.push(m) });
    if (r.provider === 'cuda') return; // a machine with the CUDA EP installed
    expect(r.provider).toBe('cpu');
    expect(r.failed.map((f) => f.provider)).toEqual(['cuda', 'dml']);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^relu: CUDA execution provider binaries are not installed \(run: npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12/);
    expect(logs[0]).toMatch(/DirectML is not available in this build of ONNX Runtime on linux; falling back to CPU\.$/);
    await r.session.release();
  });

  it('fails with every reason when no listed provider works', async () => {
    try {
      const r = await createSessionWithFallback(model, ['dml', 'coreml'], 'relu');
      await r.session.release();
      throw new Error('expected E_PROVIDER');
    } catch (err) {
      expect((err as UserError).code).toBe('E_PROVIDER');
      expect((err as Error).message).toMatch(/DirectML[\s\S]*CoreML/);
    }
  });

  it('an engine reports the provider of each graph to the user', async () => {
    const dir = path.join(root, 'pack');
    await writeTinyLdPack(dir);
    const engine = await createLatentDiffusionEngine({ pack: dir, providers: ['dml', 'cpu'] });
    expect(engine.describe().notes.join(' ')).toMatch(/denoiser: CPU \(DirectML unavailable\)/);
  });
});
