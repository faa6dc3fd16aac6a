import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as tfCore from '@tensorflow/tfjs-core';
import type { Config, Human } from '@vladmandic/human';
import { UserError } from '../util/errors';
import { registerDiskModelLoader } from './disk-model-io';

/**
 * Where the Human library, its model files and the tfjs wasm binaries live on disk. Defaults come
 * from `node_modules`; a packaged app (asar-unpacked folders) passes its own.
 */
export interface HumanPaths {
  /** Human's node-wasm build, `.../@vladmandic/human/dist/human.node-wasm.js`. */
  humanScript: string;
  /** Folder with `blazeface.json`, `facemesh.json`, ... and their `.bin` weights. */
  modelDir: string;
  /** Folder with `tfjs-backend-wasm*.wasm` (tfjs-backend-wasm's `dist`). */
  wasmDir: string;
}

/** The tfjs namespace as bundled by Human's node-wasm build (core + converter + wasm backend). */
export type HumanTf = typeof tfCore & {
  setWasmPaths(prefix: string, usePlatformFetch?: boolean): void;
};

/** Human's `Config` with every level optional, as `Human` merges it over its defaults. */
export type HumanConfig = DeepPartial<Config>;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

const require = createRequire(import.meta.url);

/**
 * Resolves {@link HumanPaths} from the installed packages (`@vladmandic/human`,
 * `@tensorflow/tfjs-backend-wasm`), with `overrides` taking precedence. Human's package `exports`
 * do not expose the node-wasm build, so it is located next to the package's main file.
 * Throws the resolver's error when a package is not installed.
 */
export function resolveHumanPaths(overrides: Partial<HumanPaths> = {}): HumanPaths {
  const humanDist = dirname(require.resolve('@vladmandic/human'));
  return {
    humanScript: overrides.humanScript ?? join(humanDist, 'human.node-wasm.js'),
    modelDir: overrides.modelDir ?? join(humanDist, '..', 'models'),
    wasmDir: overrides.wasmDir ?? dirname(require.resolve('@tensorflow/tfjs-backend-wasm')),
  };
}

/** Version of the installed Human package (part of the tracking cache key), e.g. `3.3.6`. */
export function humanVersion(paths: HumanPaths = resolveHumanPaths()): string {
  const pkg = JSON.parse(readFileSync(join(dirname(paths.humanScript), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

let shared: { paths: HumanPaths; human: Promise<Human> } | null = null;

/**
 * The process-wide Human instance on the tfjs wasm backend (SIMD, single-threaded in Node),
 * created on first call. Human keeps its detector caches in module globals, so one instance per
 * process is all there is; callers pass their own config to every `detect`.
 * Models are read from `paths.modelDir` through a `file://` tfjs load router, the wasm binary
 * from `paths.wasmDir` (a plain path prefix; Node's wasm loader reads it with fs). No network.
 * Throws `Error` if called again with different paths, or if the backend fails to start.
 */
export function getHuman(overrides: Partial<HumanPaths> = {}): Promise<Human> {
  const paths = resolveHumanPaths(overrides);
  if (shared) {
    if (JSON.stringify(shared.paths) !== JSON.stringify(paths)) {
      throw new Error(`Human is already initialised with ${JSON.stringify(shared.paths)}`);
    }
    return shared.human;
  }
  const human = createHuman(paths);
  shared = { paths, human };
  human.catch(() => {
    shared = null;
  });
  return human;
}

async function createHuman(paths: HumanPaths): Promise<Human> {
  const { Human: HumanClass } = require(paths.humanScript) as {
    Human: new (config?: HumanConfig) => Human;
  };
  const human = new HumanClass({
    backend: 'wasm',
    // tfjs-backend-wasm concatenates prefix + file name, so the trailing separator matters.
    wasmPath: paths.wasmDir.endsWith('/') ? paths.wasmDir : `${paths.wasmDir}/`,
    modelBasePath: pathToFileURL(paths.modelDir).href + '/',
    cacheModels: false,
    warmup: 'none',
    debug: false,
  });
  registerDiskModelLoader((human.tf as HumanTf).io);
  await human.init();
  const backend = (human.tf as HumanTf).getBackend();
  if (backend !== 'wasm') throw new Error(`tfjs wasm backend did not start (backend: ${backend})`);
  return human;
}

/** The tfjs namespace Human runs on (for tensors and `memory()`); same instance Human uses. */
export function humanTf(human: Human): HumanTf {
  return human.tf as HumanTf;
}

/** A Human model: its key in `human.models.models` and its JSON file in the model folder. */
export interface HumanModel {
  name: string;
  file: string;
}

/**
 * Checks that each tfjs graph model `files` (e.g. `blazeface.json`) and its `.bin` weights are in
 * `dir`. Throws `UserError` `E_MODEL_MISSING` naming the first missing model.
 */
export function requireModelFiles(dir: string, files: string[]): void {
  for (const file of files) {
    const json = join(dir, file);
    if (!existsSync(json) || !existsSync(json.replace(/\.json$/, '.bin'))) {
      throw new UserError(
        'E_MODEL_MISSING',
        `Face tracking model ${file} is missing from ${dir}.`,
        'Reinstall the application (or run `npm install`) so the bundled models are present.',
      );
    }
  }
}

/**
 * Loads the models `config` enables (only those not loaded yet) and checks that each of
 * `required` is loaded. Throws `UserError` `E_MODEL_MISSING` when a model's JSON or `.bin` is not
 * in the model folder, `Error` when a present model fails to load.
 */
export async function loadHumanModels(human: Human, config: HumanConfig, required: HumanModel[]): Promise<void> {
  const dir = shared?.paths.modelDir ?? resolveHumanPaths().modelDir;
  requireModelFiles(dir, required.map((m) => m.file));
  await human.load(config as Partial<Config>);
  const missing = required.filter((m) => !human.models.models[m.name]).map((m) => m.file);
  if (missing.length > 0) throw new Error(`Human failed to load models from ${dir}: ${missing.join(', ')}`);
}
