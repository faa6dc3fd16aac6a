/**
 * One-Euro filter (Casiez, Roussel, Vogel, CHI 2012): an exponential low-pass whose cutoff rises
 * with the signal's speed, so slow jitter is smoothed hard and fast motion passes with little lag.
 *
 *   cutoff = minCutoff + beta * |dx/dt| / scale        (Hz)
 *   alpha  = 1 / (1 + 1 / (2 * pi * cutoff * dt))
 *
 * `dx/dt` is itself low-passed at `dCutoff`. `scale` divides the speed so that `beta` is in
 * "per (scale units per second)": with `scale` = face size in pixels, a big and a small face
 * moving by the same fraction of their size per second are smoothed alike.
 */
export interface OneEuroParams {
  /** Cutoff in Hz at zero speed; lower = smoother at rest, more lag. */
  minCutoff: number;
  /** Cutoff increase in Hz per unit of speed (speed in `scale` units per second). */
  beta: number;
  /** Cutoff in Hz of the speed estimate's own low-pass. */
  dCutoff: number;
}

/**
 * Defaults for face landmarks, speeds measured in face sizes per second (pass `scale` = face
 * size in pixels). At rest the cutoff is 1 Hz; a lip moving 0.3 face/s lifts it to ~10 Hz,
 * i.e. little smoothing at 25 fps. Tuned on talk-a (25 fps, bidirectional): stable-point jitter
 * (mean |2nd difference|) halves, and the mouth-opening signal moves by ~0.2 of its standard
 * deviation, about the landmark noise measured between two detector settings.
 */
export const DEFAULT_ONE_EURO: OneEuroParams = { minCutoff: 1.0, beta: 30, dCutoff: 1.0 };

export interface OneEuroOptions {
  /**
   * Components per vector element whose speed is measured together (Euclidean norm), e.g. 3 for
   * xyz points so each landmark gets one cutoff. Must divide the dimension. Default 1.
   */
  groupSize?: number;
  /** Divides speeds (e.g. face size in pixels). Default 1. Must be > 0. */
  scale?: number;
}

function smoothingFactor(dt: number, cutoff: number): number {
  const r = 2 * Math.PI * cutoff * dt;
  return r / (r + 1);
}

/**
 * Stateful One-Euro filter over fixed-length vectors with explicit timestamps in seconds.
 * The first sample passes unchanged. Throws `Error` on a wrong vector length or on bad params.
 */
export class OneEuroFilter {
  private readonly params: OneEuroParams;
  private readonly groupSize: number;
  private readonly scale: number;
  private prev: Float64Array | null = null;
  private dPrev: Float64Array;
  private tPrev = 0;

  constructor(
    readonly dim: number,
    params: Partial<OneEuroParams> = {},
    options: OneEuroOptions = {},
  ) {
    this.params = { ...DEFAULT_ONE_EURO, ...params };
    this.groupSize = options.groupSize ?? 1;
    this.scale = options.scale ?? 1;
    const { minCutoff, beta, dCutoff } = this.params;
    if (!(minCutoff > 0) || !(dCutoff > 0) || !(beta >= 0)) throw new Error(`bad One-Euro params ${JSON.stringify(this.params)}`);
    if (!Number.isInteger(dim) || dim < 1 || dim % this.groupSize !== 0) throw new Error(`dim ${dim} not a multiple of groupSize ${this.groupSize}`);
    if (!(this.scale > 0)) throw new Error(`scale must be > 0, got ${this.scale}`);
    this.dPrev = new Float64Array(dim);
  }

  /** Forget the past: the next sample passes unchanged. */
  reset(): void {
    this.prev = null;
    this.dPrev.fill(0);
  }

  /**
   * Filters `x` (length `dim`) observed at time `t` seconds; returns a new Float32Array. A `t` not
   * after the previous one (dt <= 0) returns the previous output without updating.
   */
  filter(x: ArrayLike<number>, t: number): Float32Array {
    const { dim, groupSize } = this;
    if (x.length !== dim) throw new Error(`expected a vector of ${dim}, got ${x.length}`);
    const out = new Float32Array(dim);
    const prev = this.prev;
    if (prev === null) {
      this.prev = Float64Array.from(x);
      this.tPrev = t;
      out.set(x);
      return out;
    }
    const dt = t - this.tPrev;
    if (!(dt > 0)) {
      out.set(prev);
      return out;
    }
    const { minCutoff, beta, dCutoff } = this.params;
    const aD = smoothingFactor(dt, dCutoff);
    for (let g = 0; g < dim; g += groupSize) {
      let speed2 = 0;
      for (let k = g; k < g + groupSize; k++) {
        const d = aD * ((x[k] - prev[k]) / dt) + (1 - aD) * this.dPrev[k];
        this.dPrev[k] = d;
        speed2 += d * d;
      }
      const cutoff = minCutoff + (beta * Math.sqrt(speed2)) / this.scale;
      const a = smoothingFactor(dt, cutoff);
      for (let k = g; k < g + groupSize; k++) {
        const v = a * x[k] + (1 - a) * prev[k];
        prev[k] = v;
        out[k] = v;
      }
    }
    this.tPrev = t;
    return out;
  }
}

/** Options of {@link smoothSequence}. */
export interface SmoothSequenceOptions extends OneEuroOptions {
  /**
   * Average a forward and a backward pass (default true). A causal One-Euro lags by about
   * 1 / (2 pi cutoff); the backward pass leads by the same amount, so on a ramp the average has
   * no lag. Offline video has the future frames, and mouth shapes must not trail the audio.
   */
  bidirectional?: boolean;
}

/**
 * One-Euro smoothing of a whole sequence of vectors (`values[i]` at `times[i]` seconds, times
 * increasing). Returns new arrays, same lengths. Throws `Error` when lengths disagree.
 */
export function smoothSequence(
  values: ArrayLike<number>[],
  times: number[],
  params: Partial<OneEuroParams> = {},
  options: SmoothSequenceOptions = {},
): Float32Array[] {
  if (values.length !== times.length) throw new Error(`${values.length} values but ${times.length} times`);
  if (values.length === 0) return [];
  const dim = values[0].length;
  const forward = new OneEuroFilter(dim, params, options);
  const fwd = values.map((v, i) => forward.filter(v, times[i]));
  if (options.bidirectional === false) return fwd;
  const backward = new OneEuroFilter(dim, params, options);
  const out: Float32Array[] = new Array(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    // Reverse time: -t increases as i decreases.
    const b = backward.filter(values[i], -times[i]);
    const f = fwd[i];
    for (let k = 0; k < dim; k++) b[k] = 0.5 * (b[k] + f[k]);
    out[i] = b;
  }
  return out;
}
