import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createSessionWithFallback, defaultProviderOrder, providerHint, providerUnavailableReason, resolveProviderOrder } from '../../src/main/models/providers';
import { closeAllPacks } from '../../src/main/models/sessions';
import { createLatentDiffusionEngine } from '../../src/main/engines/latent-diffusion';
import { UserError } from '../../src/main/util/errors';
import { GraphBuilder } from '../helpers/onnx-builder';
import { writeTinyLdPack } from '../helpers/tiny-packs';

/**
 * Where `npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12` puts the CUDA provider
 * library. Found here by path, independently of the code under test; this repository's installs
 * skip it (`.npmrc`), so the CUDA fallback tests below run everywhere except where a developer
 * opted in (there they say so as skipped).
 */
const cudaLib = path.join(
  path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so',
);
const cudaAddonInstalled = existsSync(cudaLib);

/** Skips (visibly, with the reason) where the CUDA add-on is installed or the platform is not Linux. */
function needsNoCudaAddon(ctx: { skip: (condition: boolean, note?: string) => void }): void {
  ctx.skip(process.platform !== 'linux', `the CUDA provider messages checked here are Linux's (this is ${process.platform})`);
  ctx.skip(cudaAddonInstalled, `the CUDA add-on is installed here (${cudaLib})`);
}

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

  it('falls back in order with a clear message and reports the provider used', async (ctx) => {
    needsNoCudaAddon(ctx);
    const logs: string[] = [];
    const r = await createSessionWithFallback(model, ['cuda', 'dml', 'cpu'], 'relu', { log: (m) => logs.push(m) });
    expect(r.provider).toBe('cpu');
    expect(r.failed.map((f) => f.provider)).toEqual(['cuda', 'dml']);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^relu: CUDA execution provider binaries are not installed \(run: npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12/);
    expect(logs[0]).toMatch(/DirectML is not available in this build of ONNX Runtime on linux; falling back to CPU\.$/);
    await r.session.release();
  });

  describe('CUDA requested without the CUDA add-on (the repository default: .npmrc skips its download)', () => {
    const CUDA_HINT = 'CUDA execution provider binaries are not installed (run: npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12; needs CUDA 12 and cuDNN 9)';

    it('knows without asking ORT that the CUDA provider library is missing', (ctx) => {
      needsNoCudaAddon(ctx);
      expect(ort.listSupportedBackends()).toContainEqual({ name: 'cuda', bundled: false });
      expect(providerUnavailableReason('cuda')).toBe('Failed to load shared library libonnxruntime_providers_cuda.so (libonnxruntime_providers_shared missing)');
      expect(providerUnavailableReason('cpu')).toBeNull();
    });

    it('the default order on Linux (cuda, cpu) runs on CPU and says why, once', async (ctx) => {
      needsNoCudaAddon(ctx);
      const env = process.env.DUB_EXECUTION_PROVIDERS;
      delete process.env.DUB_EXECUTION_PROVIDERS;
      let order: ReturnType<typeof resolveProviderOrder>;
      try {
        order = resolveProviderOrder();
      } finally {
        if (env !== undefined) process.env.DUB_EXECUTION_PROVIDERS = env;
      }
      expect(order).toEqual(['cuda', 'cpu']);
      const logs: string[] = [];
      const r = await createSessionWithFallback(model, order, 'relu', { log: (m) => logs.push(m) });
      try {
        expect(r.provider).toBe('cpu');
        expect(r.failed).toEqual([{ provider: 'cuda', error: expect.stringMatching(/libonnxruntime_providers_cuda\.so/) }]);
        expect(logs).toEqual([`relu: ${CUDA_HINT}; falling back to CPU.`]);
        const y = await r.session.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 2, -3, 4]), [1, 4]) });
        expect(Array.from(y.y.data as Float32Array)).toEqual([0, 2, 0, 4]);
      } finally {
        await r.session.release();
      }
    });

    it('CUDA alone (no cpu in the list) fails with the install hint instead of running slowly', async (ctx) => {
      needsNoCudaAddon(ctx);
      const err = await createSessionWithFallback(model, ['cuda'], 'relu').then(
        async (r) => {
          await r.session.release();
          return null;
        },
        (e: unknown) => e as UserError,
      );
      expect(err).toBeInstanceOf(UserError);
      expect(err).toMatchObject({ code: 'E_PROVIDER', message: `relu: no execution provider could run it:\n  ${CUDA_HINT}`, hint: 'Add cpu to the provider list (--providers cuda,cpu) or install the missing provider.' });
    });

    it('an engine asked for cuda,cpu reports CPU and CUDA unavailable for each graph', async (ctx) => {
      needsNoCudaAddon(ctx);
      const dir = path.join(root, 'pack-cuda');
      await writeTinyLdPack(dir);
      const engine = await createLatentDiffusionEngine({ pack: dir, providers: ['cuda', 'cpu'] });
      expect(engine.describe().notes.join(' ')).toMatch(/denoiser: CPU \(CUDA unavailable\)/);
    });

    it('names the missing CUDA runtime (not the add-on) when the add-on loads but CUDA does not', () => {
      expect(providerHint('cuda', 'libcudart.so.12: cannot open shared object file: No such file or directory')).toBe('CUDA runtime libraries are missing or the driver is too old (CUDA 12 + cuDNN 9 needed)');
      expect(providerHint('cuda', 'Failed to load shared library libonnxruntime_providers_cuda.so')).toBe(CUDA_HINT);
    });
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
