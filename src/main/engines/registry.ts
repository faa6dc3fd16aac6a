import type { Engine, EngineDescription, EngineParamSpec } from './types';
import { ReferenceEngine, REFERENCE_ENGINE_DESCRIPTION } from './reference/reference-engine';
import { audioContextFeatures, logRmsEnvelope } from '../audio/frames';
import { UserError } from '../util/errors';

/** Options that select an engine's model. */
export interface EngineOptions {
  /** Model pack folder (latent-diffusion) or pack folder / `.onnx` file (wav2lip). */
  pack?: string;
  /** Execution providers in order of preference (e.g. ['cuda', 'cpu']). */
  providers?: string[];
}

/** Engine ids known to the CLI and the editor. */
export const ENGINE_IDS = ['reference', 'latent-diffusion', 'wav2lip'] as const;

/** The reference engine wired to the audio front-end. */
export function createReferenceEngine(): Engine {
  return new ReferenceEngine({
    contextFeatures: (samples, o) => audioContextFeatures(samples, o),
    level: (samples, o) => logRmsEnvelope(samples, { ...o, windowSec: 0.04 }),
  });
}

/**
 * Creates an engine by id.
 * @throws UserError E_ENGINE (unknown id, or a neural engine without `pack`).
 */
export async function createEngine(id: string, opts: EngineOptions = {}): Promise<Engine> {
  switch (id) {
    case 'reference':
      return createReferenceEngine();
    case 'latent-diffusion': {
      if (!opts.pack) throw new UserError('E_ENGINE', 'The latent-diffusion engine needs a model pack.', 'Pass --pack DIR (a folder with manifest.json) or the id of an installed pack; see README "Model packs".');
      const { createLatentDiffusionEngine } = await import('./latent-diffusion/index');
      return createLatentDiffusionEngine({ pack: await resolvePack(opts.pack), providers: opts.providers });
    }
    case 'wav2lip': {
      if (!opts.pack) throw new UserError('E_ENGINE', 'The wav2lip engine needs a model.', 'Pass --pack with a Wav2Lip pack folder, a .onnx file or an installed pack id.');
      const { createWav2LipEngine } = await import('./wav2lip/index');
      return createWav2LipEngine({ pack: await resolvePack(opts.pack), providers: opts.providers });
    }
    default:
      throw new UserError('E_ENGINE', `Unknown engine "${id}".`, `Use one of: ${ENGINE_IDS.join(', ')}.`);
  }
}

/** A pack folder / `.onnx` path as given, or the folder of an installed pack id (model manager). */
async function resolvePack(idOrPath: string): Promise<string> {
  const { ModelManager } = await import('../models/manager');
  return new ModelManager().resolve(idOrPath);
}

/** Descriptions of the engines that need no pack (the others describe themselves once loaded). */
export function builtinEngineDescriptions(): EngineDescription[] {
  return [REFERENCE_ENGINE_DESCRIPTION];
}

/**
 * Fills defaults and validates user parameters against a schema.
 * @throws UserError E_PARAM naming the parameter, its range and the valid keys.
 */
export function resolveParams(specs: EngineParamSpec[], given: Record<string, number>, engineId: string): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(specs.map((s) => [s.key, s.default]));
  for (const [k, v] of Object.entries(given)) {
    const spec = specs.find((s) => s.key === k);
    if (!spec) throw new UserError('E_PARAM', `Engine "${engineId}" has no parameter "${k}".`, `Valid parameters: ${specs.map((s) => `${s.key} (${s.min}-${s.max}, default ${s.default})`).join(', ')}.`);
    if (!Number.isFinite(v) || v < spec.min || v > spec.max) throw new UserError('E_PARAM', `Parameter ${k}=${v} is outside ${spec.min}-${spec.max}.`, `${spec.label}: ${spec.help}`);
    if (spec.integer && !Number.isInteger(v)) throw new UserError('E_PARAM', `Parameter ${k} must be a whole number (got ${v}).`, spec.help);
    out[k] = v;
  }
  return out;
}
