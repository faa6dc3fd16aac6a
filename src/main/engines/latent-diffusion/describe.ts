/**
 * What the latent-diffusion engine tells the editor and the CLI: parameters (from the pack's
 * defaults) and notes.
 */
import type { EngineDescription, EngineParamSpec } from '../types';
import type { LatentDiffusionManifest } from '../../models/manifest';

/** Parameter keys of the latent-diffusion engine. */
export const LD_PARAMS = { lambdaA: 'lambdaA', lambdaH: 'lambdaH', steps: 'steps', seed: 'seed', eta: 'eta', overlap: 'overlap' } as const;

/** Engine parameter specs, defaults from the manifest. */
export function latentDiffusionParams(m: LatentDiffusionManifest): EngineParamSpec[] {
  const g = m.guidance;
  const params: EngineParamSpec[] = [
    {
      key: LD_PARAMS.lambdaA,
      label: 'Audio guidance λa',
      min: 0,
      max: g.max,
      step: 0.1,
      default: g.defaults.audio,
      help: 'How strongly the mouth follows the dubbed audio (StableDub Eq. 7). 1 = plain conditional prediction; higher = crisper sync, too high = exaggerated shapes.',
    },
    {
      key: LD_PARAMS.lambdaH,
      label: 'Lip-habit guidance λh',
      min: 0,
      max: g.max,
      step: 0.1,
      default: m.graphs.denoiser.inputs.habit ? g.defaults.habit : 0,
      help: m.graphs.denoiser.inputs.habit
        ? "How strongly the mouth imitates the actor's speaking style from the lip-habit reference range (StableDub Eq. 7)."
        : 'This pack has no lip-habit input: λh is ignored.',
    },
    { key: LD_PARAMS.steps, label: 'Steps', min: 1, max: Math.min(200, m.sampler.trainTimesteps), step: 1, integer: true, default: m.sampler.steps, help: 'DDIM denoising steps. More steps are slower and usually a little sharper.' },
    { key: LD_PARAMS.seed, label: 'Seed', min: 0, max: 2147483647, step: 1, integer: true, default: 0, help: 'Seed of the shared initial noise; the same seed gives the same result.' },
    { key: LD_PARAMS.eta, label: 'DDIM eta', min: 0, max: 1, step: 0.05, default: m.sampler.eta, help: '0 = deterministic DDIM; 1 = DDPM-like stochastic sampling (still reproducible for a seed).' },
  ];
  if (m.temporal.window > 1)
    params.push({
      key: LD_PARAMS.overlap,
      label: 'Window overlap',
      min: 0,
      max: Math.floor(m.temporal.window / 2),
      step: 1,
      integer: true,
      default: Math.min(m.temporal.overlap, Math.floor(m.temporal.window / 2)),
      help: `Frames shared by consecutive ${m.temporal.window}-frame windows and cross-faded so window boundaries do not show.`,
    });
  return params;
}

/** The engine description for a pack. `providerNotes` say which execution provider runs each graph. */
export function latentDiffusionDescription(m: LatentDiffusionManifest, providerNotes: string[]): EngineDescription {
  const notes = [`Model pack ${m.id} (${m.name}), licence ${m.licence.name}${m.licence.commercialUse === false ? ' (no commercial use)' : ''}.`];
  if (!m.graphs.denoiser.inputs.habit) notes.push('This pack has no lip-habit input: λh is ignored and the lip-habit reference only provides the appearance frame.');
  notes.push(`Execution providers: ${providerNotes.join('; ')}.`);
  return {
    id: 'latent-diffusion',
    name: 'Latent diffusion (StableDub-style)',
    params: latentDiffusionParams(m),
    needs: { weights: true, lipHabitReference: true, referenceAudio: false },
    notes,
  };
}
