import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanVersion, resolveHumanPaths } from '../../src/main/tracking/human-runtime';
import { FaceMeshDetector, faceMeshSettingsKey } from '../../src/main/tracking/mesh-detector';
import { UserError } from '../../src/main/util/errors';

let emptyModels: string;
beforeAll(async () => {
  emptyModels = await mkdtemp(join(tmpdir(), 'no-models-'));
});
afterAll(async () => {
  await rm(emptyModels, { recursive: true, force: true });
});

describe('FaceMeshDetector setup', () => {
  it('resolves Human, its models and the wasm binaries inside node_modules', () => {
    const paths = resolveHumanPaths();
    expect(paths.humanScript).toMatch(/@vladmandic[\\/]human[\\/]dist[\\/]human\.node-wasm\.js$/);
    expect(paths.modelDir).toMatch(/@vladmandic[\\/]human[\\/]models$/);
    expect(paths.wasmDir).toMatch(/tfjs-backend-wasm[\\/]dist$/);
    expect(humanVersion(paths)).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('settings key changes with the options and needs no model load', () => {
    expect(faceMeshSettingsKey()).toBe(faceMeshSettingsKey({ maxDetected: 4 }));
    expect(faceMeshSettingsKey()).not.toBe(faceMeshSettingsKey({ skipFrames: 10 }));
    expect(faceMeshSettingsKey()).toContain(humanVersion());
  });

  it('rejects bad options', async () => {
    await expect(FaceMeshDetector.create({ maxDetected: 0 })).rejects.toThrow(/maxDetected/);
    await expect(FaceMeshDetector.create({ skipFrames: -1 })).rejects.toThrow(/skipFrames/);
  });

  it('fails with E_MODEL_MISSING when the model folder lacks the models', async () => {
    const err = await FaceMeshDetector.create({ paths: { modelDir: emptyModels } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('E_MODEL_MISSING');
    expect((err as UserError).message).toContain('blazeface.json');
    // One Human per process: other paths afterwards are a programming error.
    await expect(FaceMeshDetector.create()).rejects.toThrow(/already initialised/);
  });
});
