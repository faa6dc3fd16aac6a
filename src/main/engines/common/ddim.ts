/**
 * DDIM scheduler (Song et al., "Denoising Diffusion Implicit Models"), pure functions with the
 * semantics of diffusers' `DDIMScheduler` so packs exported from diffusers-based projects
 * (LatentSync, MuseTalk, StableDub-style) sample as they were tuned.
 *
 * Notation: alphā_t = prod_{s<=t} (1 - beta_s) (`alphasCumprod[t]`), t in [0, T) training steps.
 *   x_t = sqrt(alphā_t) x_0 + sqrt(1 - alphā_t) eps                      (forward process)
 *   x_{t'} = sqrt(alphā_{t'}) x̂_0 + sqrt(1 - alphā_{t'} - sigma^2) epŝ + sigma z   (DDIM, Eq. 12)
 *   sigma = eta sqrt((1 - alphā_{t'}) / (1 - alphā_t)) sqrt(1 - alphā_t / alphā_{t'})
 * with t' = t - T / steps (integer division, as diffusers does for every spacing).
 */

/** The subset of the manifest's sampler config the math needs. */
export interface DdimConfig {
  trainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: 'scaled_linear' | 'linear';
  steps: number;
  stepsOffset: number;
  eta: number;
  timestepSpacing: 'leading' | 'trailing' | 'linspace';
  predictionType: 'epsilon' | 'v_prediction' | 'sample';
  setAlphaToOne: boolean;
  clipSample: boolean;
  clipSampleRange: number;
}

/** A ready schedule: descending timesteps and the cumulative alphas. */
export interface DdimSchedule {
  config: DdimConfig;
  /** Inference timesteps, descending (e.g. 951, 901, ..., 1 for 20 leading steps, offset 1). */
  timesteps: number[];
  alphasCumprod: Float64Array;
  /** alphā used for t' < 0 (1 with `setAlphaToOne`, else alphā_0). */
  finalAlphaCumprod: number;
}

function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/**
 * Training betas. `scaled_linear` (Stable Diffusion): linspace(sqrt(b0), sqrt(b1), T)^2;
 * `linear`: linspace(b0, b1, T).
 */
export function makeBetas(cfg: Pick<DdimConfig, 'trainTimesteps' | 'betaStart' | 'betaEnd' | 'betaSchedule'>): Float64Array {
  const T = cfg.trainTimesteps;
  const v =
    cfg.betaSchedule === 'scaled_linear'
      ? linspace(Math.sqrt(cfg.betaStart), Math.sqrt(cfg.betaEnd), T).map((x) => x * x)
      : linspace(cfg.betaStart, cfg.betaEnd, T);
  return Float64Array.from(v);
}

/** alphā_t = prod (1 - beta_s), s <= t. */
export function alphasCumprod(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let p = 1;
  for (let i = 0; i < betas.length; i++) {
    p *= 1 - betas[i];
    out[i] = p;
  }
  return out;
}

/** Python's round-half-to-even (numpy `.round()`), used by diffusers for timesteps. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Inference timesteps, descending, per diffusers `DDIMScheduler.set_timesteps`:
 * leading: (arange(n) * (T // n)).round()[::-1] + offset; trailing: round(arange(T, 0, -T/n)) - 1;
 * linspace: linspace(0, T - 1, n).round()[::-1].
 * @throws RangeError when steps exceeds trainTimesteps.
 */
export function ddimTimesteps(cfg: Pick<DdimConfig, 'trainTimesteps' | 'steps' | 'stepsOffset' | 'timestepSpacing'>): number[] {
  const T = cfg.trainTimesteps;
  const n = cfg.steps;
  if (n > T || n < 1) throw new RangeError(`DDIM steps must be in [1, ${T}], got ${n}`);
  if (cfg.timestepSpacing === 'leading') {
    const ratio = Math.floor(T / n);
    return Array.from({ length: n }, (_, i) => (n - 1 - i) * ratio + cfg.stepsOffset);
  }
  if (cfg.timestepSpacing === 'trailing') {
    const ratio = T / n;
    return Array.from({ length: n }, (_, i) => roundHalfEven(T - i * ratio) - 1);
  }
  return linspace(0, T - 1, n).map(roundHalfEven).reverse();
}

/** Builds the schedule for a sampler config. */
export function ddimSchedule(config: DdimConfig): DdimSchedule {
  const ac = alphasCumprod(makeBetas(config));
  return { config, timesteps: ddimTimesteps(config), alphasCumprod: ac, finalAlphaCumprod: config.setAlphaToOne ? 1 : ac[0] };
}

/** alphā at a timestep; t < 0 gives the final alphā. */
export function alphaBarAt(s: DdimSchedule, t: number): number {
  return t >= 0 ? s.alphasCumprod[t] : s.finalAlphaCumprod;
}

/** The timestep the DDIM update from `t` lands on: t - T // steps (may be negative). */
export function prevTimestep(s: DdimSchedule, t: number): number {
  return t - Math.floor(s.config.trainTimesteps / s.config.steps);
}

/**
 * Forward-noises a clean sample to timestep t: out = sqrt(alphā_t) x0 + sqrt(1 - alphā_t) noise
 * (StableDub Eq. 1). Used for the known region of latent inpainting. `out` may alias `x0`.
 */
export function addNoise(s: DdimSchedule, x0: Float32Array, noise: Float32Array, t: number, out: Float32Array = new Float32Array(x0.length)): Float32Array {
  const a = alphaBarAt(s, t);
  const ca = Math.sqrt(a);
  const cn = Math.sqrt(1 - a);
  for (let i = 0; i < x0.length; i++) out[i] = ca * x0[i] + cn * noise[noise.length === x0.length ? i : i % noise.length];
  return out;
}

/** The scalars of one DDIM update from timestep t (see `ddimStep`). */
export interface DdimStepCoefficients {
  /** sqrt(alphā_t), sqrt(1 - alphā_t). */
  sa: number;
  sb: number;
  /** sqrt(alphā_t'), and the weight of the predicted noise sqrt(1 - alphā_t' - std²). */
  saPrev: number;
  cDir: number;
  /** eta-scaled standard deviation of the added noise (0 for eta = 0). */
  std: number;
  /** x̂_0 is clamped to [-clip, clip] (Infinity: no clamping). */
  clip: number;
}

/** The scalars of the DDIM update from timestep t. */
export function ddimStepCoefficients(s: DdimSchedule, t: number): DdimStepCoefficients {
  const cfg = s.config;
  const a = alphaBarAt(s, t);
  const aPrev = alphaBarAt(s, prevTimestep(s, t));
  const b = 1 - a;
  const variance = ((1 - aPrev) / b) * (1 - a / aPrev);
  const std = cfg.eta * Math.sqrt(Math.max(variance, 0));
  return {
    sa: Math.sqrt(a),
    sb: Math.sqrt(b),
    saPrev: Math.sqrt(aPrev),
    cDir: Math.sqrt(Math.max(1 - aPrev - std * std, 0)),
    std,
    clip: cfg.clipSample ? cfg.clipSampleRange : Infinity,
  };
}

/**
 * One DDIM update x_t -> x_{t'} (diffusers `DDIMScheduler.step`, `use_clipped_model_output`
 * false). All arrays have the same length (any layout; the update is elementwise).
 * For epsilon prediction without noise, element i is
 *   x̂_0 = clamp((x_i - sb m_i) / sa), x_{t'} = saPrev x̂_0 + cDir m_i   (`ddimStepCoefficients`).
 * @param modelOutput The (guided) network output at t: eps, v, or x0 per `predictionType`.
 * @param noise Standard normal noise for eta > 0 (ignored when eta = 0); may be shorter than x
 *   and is then tiled (one shared noise image per frame).
 * @param out Destination (may alias `sample`).
 * @returns `out` holding x_{t'}; `predX0` (when given) receives x̂_0.
 */
export function ddimStep(
  s: DdimSchedule,
  t: number,
  sample: Float32Array,
  modelOutput: Float32Array,
  noise: Float32Array | null,
  out: Float32Array = new Float32Array(sample.length),
  predX0?: Float32Array,
): Float32Array {
  const cfg = s.config;
  const { sa, sb, saPrev, cDir, std, clip } = ddimStepCoefficients(s, t);
  const nz = std > 0 ? noise : null;
  const nlen = nz ? nz.length : 1;
  const kind = cfg.predictionType === 'epsilon' ? 0 : cfg.predictionType === 'sample' ? 1 : 2;
  if (kind === 0 && !nz && !predX0) {
    // The common case (epsilon prediction, eta = 0), without per-element dispatch; same arithmetic.
    for (let i = 0; i < sample.length; i++) {
      const m = modelOutput[i];
      let x0 = (sample[i] - sb * m) / sa;
      if (x0 > clip) x0 = clip;
      else if (x0 < -clip) x0 = -clip;
      out[i] = saPrev * x0 + cDir * m;
    }
    return out;
  }
  for (let i = 0; i < sample.length; i++) {
    const x = sample[i];
    const m = modelOutput[i];
    let x0: number;
    let eps: number;
    if (kind === 0) {
      x0 = (x - sb * m) / sa;
      eps = m;
    } else if (kind === 1) {
      x0 = m;
      eps = (x - sa * m) / sb;
    } else {
      x0 = sa * x - sb * m;
      eps = sa * m + sb * x;
    }
    if (x0 > clip) x0 = clip;
    else if (x0 < -clip) x0 = -clip;
    if (predX0) predX0[i] = x0;
    let prev = saPrev * x0 + cDir * eps;
    if (nz) prev += std * nz[nlen === sample.length ? i : i % nlen];
    out[i] = prev;
  }
  return out;
}
