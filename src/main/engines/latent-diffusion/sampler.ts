/**
 * DDIM sampling of one temporal window with latent inpainting (DiffDub Eq. 1), a shared initial
 * noise x_T for every frame (DiffDub: "a shared x_T for DDIM as the starting point for all
 * images"), and cross-window harmonization so overlapping windows agree (no seam).
 */
import { alphaBarAt, ddimStep, ddimStepCoefficients, type DdimSchedule } from '../common/ddim';
import type { TemporalWindow } from '../common/windows';
import type { GuidanceTerms } from '../common/guidance';
import { throwIfAborted } from '../../util/errors';

export interface WindowSampleInput {
  schedule: DdimSchedule;
  /** Frames in the window (F). */
  frames: number;
  /** Latent channels C and plane size h*w; a frame is C*h*w values, frame-major [F, C, h, w]. */
  channels: number;
  plane: number;
  /** Shared initial noise x_T of one frame, [C, h, w]. */
  xT: Float32Array;
  /**
   * Latent inpainting: clean latents of the frames [F, C, h, w] and the editable mask [F, h, w]
   * (1 = generated, 0 = known). At each step the known part is replaced by the clean latent
   * noised to the current timestep with x_T: x'_t = m ⊙ x_t + (1 - m) ⊙ (sqrt(ᾱ_t) z_0 +
   * sqrt(1 - ᾱ_t) x_T); the result is composed the same way with z_0. Null disables it.
   */
  known: { z0: Float32Array; editable: Float32Array } | null;
  /** Called at each step with x_t before the network runs (cross-window blending); may modify x. */
  harmonize?: (step: number, x: Float32Array) => void;
  /** Guided network output at (x_t, t). */
  predict: (x: Float32Array, t: number, step: number) => Promise<Float32Array>;
  /**
   * The same prediction as guidance terms not combined yet (e.g. `Denoiser.predictTerms`); when
   * given, the fused update combines them only where the result is used. Must equal `predict`.
   */
  predictTerms?: (x: Float32Array, t: number, step: number) => Promise<GuidanceTerms>;
  /** Per-step noise for eta > 0 (one frame's worth, shared by all frames), or null. */
  stepNoise?: (step: number) => Float32Array | null;
  signal?: AbortSignal;
  /** Buffer for x_t and the result ([F, C, h, w], overwritten); a new array by default. */
  out?: Float32Array;
}

/**
 * Re-imposes the known region with the clean latent noised to alphā (x_T shared per frame):
 * x = m x + (1 - m)(sqrt(alphā) z0 + sqrt(1 - alphā) x_T), one pass, no temporary.
 */
export function composeNoisedKnown(x: Float32Array, z0: Float32Array, xT: Float32Array, alphaBar: number, editable: Float32Array, frames: number, channels: number, plane: number): void {
  const ca = Math.sqrt(alphaBar);
  const cn = Math.sqrt(1 - alphaBar);
  const per = channels * plane;
  for (let f = 0; f < frames; f++) for (let c = 0; c < channels; c++) composeNoisedPlane(x, z0, xT, editable, f * per + c * plane, c * plane, f * plane, plane, ca, cn);
}

/**
 * `composeNoisedKnown` on one plane: x[base + p] and z0[base + p], noise xT[nb + p], mask
 * editable[mb + p]. (Small kernels called many times get optimized as a whole early.)
 */
function composeNoisedPlane(x: Float32Array, z0: Float32Array, xT: Float32Array, editable: Float32Array, base: number, nb: number, mb: number, plane: number, ca: number, cn: number): void {
  for (let p = 0; p < plane; p++) {
    const e = editable[mb + p];
    if (e >= 1) continue;
    const i = base + p;
    x[i] = e * x[i] + (1 - e) * (ca * z0[i] + cn * xT[nb + p]);
  }
}

/** Replaces the known region of x by `known` (per-frame mask broadcast over channels). */
export function composeKnown(x: Float32Array, knownValue: Float32Array, editable: Float32Array, frames: number, channels: number, plane: number): void {
  for (let f = 0; f < frames; f++) {
    const m = editable.subarray(f * plane, (f + 1) * plane);
    for (let c = 0; c < channels; c++) {
      const base = (f * channels + c) * plane;
      for (let p = 0; p < plane; p++) {
        const e = m[p];
        if (e >= 1) continue;
        x[base + p] = e * x[base + p] + (1 - e) * knownValue[base + p];
      }
    }
  }
}

/**
 * `ddimStep` (epsilon prediction, no noise) on the guided prediction, followed in the same pass by
 * the re-imposition of the known region: with `alphaBarNext` the clean latent noised to it
 * (`composeNoisedKnown`, the next step's input), with null the clean latent itself
 * (`composeKnown`, the final result).
 *
 * The guided prediction is combined here from `terms` (as `combineGuidance` does, or `outs[0]`
 * as is for a single branch of weight 1), and only where it is used: a fully known element
 * (mask 0) becomes 0 · update + re-imposed value, which is the re-imposed value itself for any
 * finite update, so neither its guidance combination nor its update is computed (except when
 * the re-imposed value is a zero, to keep the sign the two passes would give it). Element for
 * element the same float arithmetic as `combineGuidance` + `ddimStep` + `composeNoisedKnown` /
 * `composeKnown`, so the same values as long as the network output is finite.
 */
export function ddimStepComposed(
  schedule: DdimSchedule,
  t: number,
  x: Float32Array,
  terms: GuidanceTerms,
  z0: Float32Array,
  xT: Float32Array,
  alphaBarNext: number | null,
  editable: Float32Array,
  frames: number,
  channels: number,
  plane: number,
): void {
  const { sa, sb, saPrev, cDir, clip } = ddimStepCoefficients(schedule, t);
  const noised = alphaBarNext !== null;
  const { outs, coeffs } = terms;
  const k = outs.length;
  const step: PlaneStep = {
    x,
    z0,
    xT,
    editable,
    outs,
    coeffs,
    // 0: one branch used as is; 1..3: that many weighted terms; 4: the general loop.
    form: k === 1 && coeffs[0] === 1 ? 0 : k <= 3 ? k : 4,
    sa,
    sb,
    saPrev,
    cDir,
    clip,
    noised,
    ca: noised ? Math.sqrt(alphaBarNext) : 1,
    cn: noised ? Math.sqrt(1 - alphaBarNext) : 0,
  };
  for (let f = 0; f < frames; f++) for (let c = 0; c < channels; c++) stepPlane(step, (f * channels + c) * plane, c * plane, f * plane, plane);
}

/** Everything `stepPlane` needs besides the plane's offsets. */
interface PlaneStep {
  x: Float32Array;
  z0: Float32Array;
  xT: Float32Array;
  editable: Float32Array;
  outs: Float32Array[];
  coeffs: number[];
  form: number;
  sa: number;
  sb: number;
  saPrev: number;
  cDir: number;
  clip: number;
  noised: boolean;
  ca: number;
  cn: number;
}

/** `ddimStepComposed` on one plane: elements base + p, noise xT[nb + p], mask editable[mb + p]. */
function stepPlane(s: PlaneStep, base: number, nb: number, mb: number, plane: number): void {
  const { x, z0, xT, editable, outs, coeffs, form, sa, sb, saPrev, cDir, clip, noised, ca, cn } = s;
  const k = outs.length;
  const fr = Math.fround;
  const o0 = outs[0], o1 = outs[1 % k], o2 = outs[2 % k];
  const c0 = coeffs[0], c1 = coeffs[1 % k], c2 = coeffs[2 % k];
  for (let p = 0; p < plane; p++) {
    const i = base + p;
    const e = editable[mb + p];
    if (e === 0) {
      const v = noised ? ca * z0[i] + cn * xT[nb + p] : z0[i];
      if (v !== 0) {
        x[i] = v;
        continue;
      }
    }
    let m: number;
    if (form === 0) m = o0[i];
    else if (form === 3) m = fr(fr(fr(0 + c0 * o0[i]) + c1 * o1[i]) + c2 * o2[i]);
    else if (form === 2) m = fr(fr(0 + c0 * o0[i]) + c1 * o1[i]);
    else if (form === 1) m = fr(0 + c0 * o0[i]);
    else {
      m = 0;
      for (let b = 0; b < k; b++) m = fr(m + coeffs[b] * outs[b][i]);
    }
    let x0 = (x[i] - sb * m) / sa;
    if (x0 > clip) x0 = clip;
    else if (x0 < -clip) x0 = -clip;
    const prev = fr(saPrev * x0 + cDir * m); // the value ddimStep stores
    if (e >= 1) x[i] = prev;
    else if (noised) x[i] = e * prev + (1 - e) * (ca * z0[i] + cn * xT[nb + p]);
    else x[i] = e * prev + (1 - e) * z0[i];
  }
}

/**
 * Runs the DDIM loop of one window. Cancellable between steps. With latent inpainting, epsilon
 * prediction and no per-step noise, each update and the next re-imposition of the known region
 * are one pass (`ddimStepComposed`), fed by `predictTerms` when given.
 * @returns x̂_0 [F, C, h, w] (model latent units), in `out` when given.
 * @throws CancelledError when `signal` is aborted; RangeError when `out` has the wrong length.
 */
export async function sampleWindow(inp: WindowSampleInput): Promise<Float32Array> {
  const { schedule, frames, channels, plane } = inp;
  const per = channels * plane;
  const x = inp.out ?? new Float32Array(frames * per);
  if (x.length !== frames * per) throw new RangeError(`sampleWindow: out has ${x.length} values, need ${frames * per}`);
  for (let f = 0; f < frames; f++) x.set(inp.xT, f * per);
  const known = inp.known;
  const fused = known !== null && !inp.stepNoise && schedule.config.predictionType === 'epsilon';
  const steps = schedule.timesteps.length;
  if (fused) composeNoisedKnown(x, known.z0, inp.xT, alphaBarAt(schedule, schedule.timesteps[0]), known.editable, frames, channels, plane);
  for (let i = 0; i < steps; i++) {
    throwIfAborted(inp.signal);
    const t = schedule.timesteps[i];
    if (known && !fused) composeNoisedKnown(x, known.z0, inp.xT, alphaBarAt(schedule, t), known.editable, frames, channels, plane);
    inp.harmonize?.(i, x);
    if (fused) {
      const terms = inp.predictTerms ? await inp.predictTerms(x, t, i) : { outs: [await inp.predict(x, t, i)], coeffs: [1] };
      const next = i + 1 < steps ? alphaBarAt(schedule, schedule.timesteps[i + 1]) : null;
      ddimStepComposed(schedule, t, x, terms, known.z0, inp.xT, next, known.editable, frames, channels, plane);
    } else {
      const eps = await inp.predict(x, t, i);
      ddimStep(schedule, t, x, eps, inp.stepNoise?.(i) ?? null, x);
    }
  }
  if (known && !fused) composeKnown(x, known.z0, known.editable, frames, channels, plane);
  return x;
}

/**
 * Cross-fades overlapping windows. Final latents of a frame are the weighted mean over the
 * windows covering it (weights from `crossFadeWeights`).
 *
 * Optional per-step harmonization (`strength` > 0): windows are sampled in order, and at every
 * step the frames a window shares with earlier windows are pulled toward the earlier windows' x_t
 * at that step by strength x (their share of the cross-fade weight). Off by default: measured on
 * a temporal-conv test denoiser, the one-directional pull makes the window's edge frames
 * disagree with its own other frames and leaves a periodic ripple (max frame-to-frame change
 * 0.55 vs 0.24 for the plain raised-cosine cross-fade, hard cuts 1.46); packs whose windows
 * diverge in content can enable it with `temporal.harmonize`.
 */
export class OverlapBlender {
  /** Weighted sum of earlier windows' x_t per (frame, step), only for frames a later window covers. */
  private readonly traj = new Map<number, { sum: Float32Array[]; w: number }>();
  private readonly final = new Map<number, { sum: Float32Array; w: number; remaining: number }>();

  constructor(
    private readonly windows: TemporalWindow[],
    private readonly weights: Float32Array[],
    private readonly steps: number,
    private readonly perFrame: number,
    private readonly strength = 0,
  ) {
    windows.forEach((w) => {
      for (let j = 0; j < w.length; j++) {
        const f = w.start + j;
        const e = this.final.get(f);
        if (e) e.remaining++;
        else this.final.set(f, { sum: new Float32Array(perFrame), w: 0, remaining: 1 });
      }
    });
  }

  /** Whether a window after k covers frame f. */
  private coveredLater(k: number, f: number): boolean {
    for (let q = k + 1; q < this.windows.length; q++) if (f >= this.windows[q].start && f < this.windows[q].start + this.windows[q].length) return true;
    return false;
  }

  /** The harmonize callback for window k (frames of x are the window's first `length` frames). */
  harmonizer(k: number): ((step: number, x: Float32Array) => void) | undefined {
    if (this.strength <= 0) return undefined;
    const strength = this.strength;
    const win = this.windows[k];
    const wk = this.weights[k];
    const per = this.perFrame;
    return (step, x) => {
      for (let j = 0; j < win.length; j++) {
        const f = win.start + j;
        const seg = x.subarray(j * per, (j + 1) * per);
        const prev = this.traj.get(f);
        if (prev && prev.w > 0) {
          const a = (strength * prev.w) / (prev.w + wk[j]);
          const s = prev.sum[step];
          const inv = 1 / prev.w;
          for (let p = 0; p < per; p++) seg[p] = a * s[p] * inv + (1 - a) * seg[p];
        }
        if (this.coveredLater(k, f)) {
          let e = this.traj.get(f);
          if (!e) {
            e = { sum: Array.from({ length: this.steps }, () => new Float32Array(per)), w: 0 };
            this.traj.set(f, e);
          }
          const s = e.sum[step];
          for (let p = 0; p < per; p++) s[p] += wk[j] * seg[p];
          if (step === this.steps - 1) e.w += wk[j];
        }
      }
    };
  }

  /**
   * Adds window k's final latents. Returns the frames that became final, with their cross-faded
   * latent; trajectories no longer needed are dropped.
   */
  finish(k: number, z0: Float32Array): Map<number, Float32Array> {
    const win = this.windows[k];
    const per = this.perFrame;
    const done = new Map<number, Float32Array>();
    for (let j = 0; j < win.length; j++) {
      const f = win.start + j;
      const e = this.final.get(f)!;
      const w = this.weights[k][j];
      addScaled(e.sum, z0, j * per, w, per);
      e.w += w;
      e.remaining--;
      if (e.remaining === 0) {
        const out = e.sum;
        if (Math.abs(e.w - 1) > 1e-6) divideBy(out, e.w);
        done.set(f, out);
        this.final.delete(f);
        this.traj.delete(f);
      }
    }
    return done;
  }
}

/** dst[p] += w * src[offset + p] for p < n (float32 accumulation). */
function addScaled(dst: Float32Array, src: Float32Array, offset: number, w: number, n: number): void {
  for (let p = 0; p < n; p++) dst[p] += w * src[offset + p];
}

/** a[p] /= d. */
function divideBy(a: Float32Array, d: number): void {
  for (let p = 0; p < a.length; p++) a[p] /= d;
}
