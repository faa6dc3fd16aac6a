import { z } from 'zod';

/**
 * Wire form of an engine's self-description (mirrors `EngineDescription` in
 * src/main/engines/types.ts field for field; test/unit/editor-contract.test.ts parses every real
 * engine's description through it and requires the result to equal the original, so a field
 * missing here fails there).
 */
export const engineParamSpecSchema = z.object({
  key: z.string(),
  label: z.string(),
  min: z.number(),
  max: z.number(),
  step: z.number(),
  default: z.number(),
  help: z.string(),
  integer: z.boolean().optional(),
});
export type EngineParamSpecWire = z.infer<typeof engineParamSpecSchema>;

export const engineDescriptionSchema = z.object({
  id: z.string(),
  name: z.string(),
  params: z.array(engineParamSpecSchema),
  needs: z.object({ weights: z.boolean(), lipHabitReference: z.boolean(), referenceAudio: z.boolean() }),
  notes: z.array(z.string()),
  /** The engine renders from cropped frames (see `EngineDescription.acceptsCroppedFrames`). */
  acceptsCroppedFrames: z.boolean().optional(),
  /** The engine's patch alphas are the final face matte (see `EngineDescription.faceMatte`). */
  faceMatte: z.boolean().optional(),
});
export type EngineDescriptionWire = z.infer<typeof engineDescriptionSchema>;

/** Clamps a value into the parameter's range and snaps it to its step (and to an integer when required). */
export function normalizeParam(spec: EngineParamSpecWire, value: number): number {
  if (!Number.isFinite(value)) return spec.default;
  let v = Math.min(spec.max, Math.max(spec.min, value));
  if (spec.step > 0) v = spec.min + Math.round((v - spec.min) / spec.step) * spec.step;
  if (spec.integer) v = Math.round(v);
  // Remove float noise from step arithmetic (e.g. 0.30000000000000004).
  return Number(Math.min(spec.max, Math.max(spec.min, v)).toPrecision(12));
}

/**
 * Parameters for `engine`: known keys from `params` (normalized), missing ones from the defaults,
 * unknown keys dropped.
 */
export function fillParams(engine: EngineDescriptionWire, params: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of engine.params) out[p.key] = p.key in params ? normalizeParam(p, params[p.key]) : p.default;
  return out;
}
