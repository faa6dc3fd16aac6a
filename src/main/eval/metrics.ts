import { LANDMARK, LIPS_INNER, LIPS_OUTER } from '../../shared/face-mesh';

/** Pearson correlation of two equal-length series over indices where both are finite; NaN when undefined. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    n++; sa += a[i]; sb += b[i];
  }
  if (n < 3) return NaN;
  const ma = sa / n, mb = sb / n;
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    const x = a[i] - ma, y = b[i] - mb;
    cov += x * y; va += x * x; vb += y * y;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : NaN;
}

/**
 * Lagged Pearson correlation between the mouth opening and the audio envelope, per video frame.
 * Lag k > 0 means the audio comes k frames after the mouth (the natural lead of the lips over the sound gives a peak near k = +1): r(k) = corr(opening[t], audio[t + k]).
 * @returns one entry per lag in [minLag, maxLag].
 */
export function laggedCorrelation(opening: ArrayLike<number>, audio: ArrayLike<number>, minLag = -2, maxLag = 2): Array<{ lag: number; r: number }> {
  const out: Array<{ lag: number; r: number }> = [];
  const n = Math.min(opening.length, audio.length);
  for (let k = minLag; k <= maxLag; k++) {
    const a: number[] = [];
    const b: number[] = [];
    for (let t = 0; t < n; t++) {
      const u = t + k;
      if (u < 0 || u >= n) continue;
      a.push(opening[t]);
      b.push(audio[u]);
    }
    out.push({ lag: k, r: pearson(a, b) });
  }
  return out;
}

/** Lip landmark indices used by LMD and jitter: outer and inner lip contours (40 points). */
export const LIP_POINTS: readonly number[] = [...LIPS_OUTER, ...LIPS_INNER];

/** Inter-ocular distance (outer eye corners 33-263) in pixels. */
export function interOcular(mesh: Float32Array): number {
  const r = LANDMARK.rightEyeOuter, l = LANDMARK.leftEyeOuter;
  return Math.hypot(mesh[r * 3] - mesh[l * 3], mesh[r * 3 + 1] - mesh[l * 3 + 1]);
}

/**
 * Lip landmark distance (LMD): mean Euclidean distance between corresponding lip landmarks of
 * two meshes, divided by the inter-ocular distance of `a` (dimensionless). Frames where either
 * mesh is null are skipped.
 * @returns the mean over frames, NaN when no frame has both.
 */
export function lipLandmarkDistance(a: Array<Float32Array | null>, b: Array<Float32Array | null>): number {
  let sum = 0, n = 0;
  for (let t = 0; t < Math.min(a.length, b.length); t++) {
    const ma = a[t], mb = b[t];
    if (!ma || !mb) continue;
    const io = interOcular(ma) || 1;
    let d = 0;
    for (const i of LIP_POINTS) d += Math.hypot(ma[i * 3] - mb[i * 3], ma[i * 3 + 1] - mb[i * 3 + 1]);
    sum += d / LIP_POINTS.length / io;
    n++;
  }
  return n ? sum / n : NaN;
}

/**
 * Mouth jitter: mean magnitude of the second temporal difference of the lip landmarks,
 * |p(t+1) - 2 p(t) + p(t-1)|, divided by the inter-ocular distance, over triples of consecutive
 * frames that all have a face. Rigid head motion is removed by subtracting the lip centroid.
 */
export function mouthJitter(meshes: Array<Float32Array | null>): number {
  let sum = 0, n = 0;
  const centred = meshes.map((m) => {
    if (!m) return null;
    let cx = 0, cy = 0;
    for (const i of LIP_POINTS) { cx += m[i * 3]; cy += m[i * 3 + 1]; }
    cx /= LIP_POINTS.length; cy /= LIP_POINTS.length;
    const io = interOcular(m) || 1;
    return LIP_POINTS.map((i) => [(m[i * 3] - cx) / io, (m[i * 3 + 1] - cy) / io]);
  });
  for (let t = 1; t + 1 < centred.length; t++) {
    const p = centred[t - 1], c = centred[t], q = centred[t + 1];
    if (!p || !c || !q) continue;
    let d = 0;
    for (let k = 0; k < c.length; k++) d += Math.hypot(q[k][0] - 2 * c[k][0] + p[k][0], q[k][1] - 2 * c[k][1] + p[k][1]);
    sum += d / c.length;
    n++;
  }
  return n ? sum / n : NaN;
}

/**
 * PSNR (dB) between two rgb24 frames over pixels where `outside` is 1 (peak 255); Infinity when
 * identical there. Accumulate with `PsnrAccumulator` for a whole clip.
 */
export class PsnrAccumulator {
  private se = 0;
  private n = 0;
  /** Adds squared errors over selected pixels (`select`: Uint8Array(H*W), 1 = include). */
  add(a: Uint8Array, b: Uint8Array, select: Uint8Array): void {
    for (let i = 0; i < select.length; i++) {
      if (!select[i]) continue;
      const o = i * 3;
      const d0 = a[o] - b[o], d1 = a[o + 1] - b[o + 1], d2 = a[o + 2] - b[o + 2];
      this.se += d0 * d0 + d1 * d1 + d2 * d2;
      this.n += 3;
    }
  }
  /** Pixels counted so far (channels / 3). */
  get pixels(): number {
    return this.n / 3;
  }
  /** PSNR in dB, Infinity when every compared value was identical, NaN when nothing was compared. */
  psnr(): number {
    if (this.n === 0) return NaN;
    if (this.se === 0) return Infinity;
    return 10 * Math.log10((255 * 255) / (this.se / this.n));
  }
}
