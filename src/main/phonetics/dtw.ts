import { UserError } from '../util/errors';

/**
 * Dynamic time warping between two feature sequences `a` [N, dim] and `b` [M, dim] (row-major,
 * frame-major Float32Array), Euclidean local distance, the symmetric step pattern of Sakoe &
 * Chiba (1978, "symmetric2": a diagonal step costs 2 d(i, j), a horizontal or vertical step
 * d(i, j)), both ends anchored: (0, 0) and (N-1, M-1) are on the path. An optional Sakoe-Chiba
 * band (in frames, around the straight line from corner to corner) bounds the search, and an
 * optional `stepPenalty` is added to every horizontal or vertical step (discourages long stalls).
 *
 * @returns `path`: Int32Array of pairs [i0, j0, i1, j1, ...] from (0, 0) to (N-1, M-1), monotonic
 *   in both indices; `cost`: accumulated cost at the end divided by N + M.
 * @throws UserError E_ALIGN when a sequence is empty, the dimensions differ, the band is too narrow
 *   to connect the corners, or N*M exceeds 64 M cells.
 */
export function dtw(a: Float32Array, b: Float32Array, dim: number, opts: { band?: number; stepPenalty?: number } = {}): { path: Int32Array; cost: number } {
  if (!Number.isInteger(dim) || dim < 1 || a.length % dim !== 0 || b.length % dim !== 0) {
    throw new UserError('E_ALIGN', `DTW inputs are not [frames, ${dim}] matrices.`, 'Pass row-major feature matrices with the same dimension.');
  }
  const N = a.length / dim;
  const M = b.length / dim;
  if (N === 0 || M === 0) throw new UserError('E_ALIGN', 'DTW needs two non-empty sequences.', 'Check that the audio and the script are not empty.');
  if (N * M > 64 * 1024 * 1024) throw new UserError('E_ALIGN', `DTW of ${N} x ${M} frames is too large.`, 'Split the script into shorter cues (an SRT), e.g. one per sentence.');
  const band = opts.band ?? Infinity;
  const pen = opts.stepPenalty ?? 0;
  const inBand = (i: number, j: number) => Math.abs(i - (j * (N - 1)) / Math.max(1, M - 1)) <= band || band === Infinity;
  const D = new Float32Array(N * M).fill(Infinity);
  const local = (i: number, j: number) => {
    let s = 0;
    const ai = i * dim;
    const bj = j * dim;
    for (let k = 0; k < dim; k++) {
      const x = a[ai + k] - b[bj + k];
      s += x * x;
    }
    return Math.sqrt(s);
  };
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < M; j++) {
      if (!inBand(i, j)) continue;
      const d = local(i, j);
      let best: number;
      if (i === 0 && j === 0) best = d;
      else {
        best = Infinity;
        if (i > 0 && j > 0) best = Math.min(best, D[(i - 1) * M + j - 1] + 2 * d);
        if (i > 0) best = Math.min(best, D[(i - 1) * M + j] + d + pen);
        if (j > 0) best = Math.min(best, D[i * M + j - 1] + d + pen);
      }
      D[i * M + j] = best;
    }
  }
  if (!Number.isFinite(D[N * M - 1])) throw new UserError('E_ALIGN', `The DTW band (${band} frames) cannot connect the two sequences.`, 'Widen the band.');
  // Backtrack: from the end, step to the predecessor that produced the accumulated cost.
  const rev: number[] = [];
  let i = N - 1;
  let j = M - 1;
  rev.push(i, j);
  while (i > 0 || j > 0) {
    const d = local(i, j);
    const cur = D[i * M + j];
    const diag = i > 0 && j > 0 ? D[(i - 1) * M + j - 1] + 2 * d : Infinity;
    const up = i > 0 ? D[(i - 1) * M + j] + d + pen : Infinity;
    const left = j > 0 ? D[i * M + j - 1] + d + pen : Infinity;
    // Pick the predecessor closest to the stored value (float32 rounding), diagonal first on ties.
    const e = (v: number) => Math.abs(v - cur);
    if (diag !== Infinity && e(diag) <= e(up) && e(diag) <= e(left)) { i--; j--; }
    else if (up !== Infinity && e(up) <= e(left)) i--;
    else j--;
    rev.push(i, j);
  }
  const path = new Int32Array(rev.length);
  for (let k = 0; k < rev.length; k += 2) {
    path[k] = rev[rev.length - 2 - k];
    path[k + 1] = rev[rev.length - 1 - k];
  }
  return { path, cost: D[N * M - 1] / (N + M) };
}

/**
 * Where the frame boundaries of sequence `b` fall on sequence `a` through a DTW path. Boundary j
 * (just before `b` frame j) maps to the midpoint between the last `a` frame paired with b frame
 * j-1 (plus one) and the first `a` frame paired with b frame j: on a diagonal step that is the
 * `a` frame of the step; after a long pause of `a` (a horizontal run) it is where `a` resumes.
 * @param path pairs [i, j, ...] as returned by `dtw`; `N`, `M` = number of `a` and `b` frames.
 * @returns Float64Array(M + 1) of `a` frame positions (fractional), non-decreasing; [0] = 0,
 *   [M] = N.
 */
export function boundariesThroughPath(path: Int32Array, N: number, M: number): Float64Array {
  const minI = new Float64Array(M).fill(Infinity);
  const maxI = new Float64Array(M).fill(-Infinity);
  for (let k = 0; k < path.length; k += 2) {
    const i = path[k];
    const j = path[k + 1];
    if (i < minI[j]) minI[j] = i;
    if (i > maxI[j]) maxI[j] = i;
  }
  const out = new Float64Array(M + 1);
  out[M] = N;
  for (let j = 1; j < M; j++) out[j] = Math.max(out[j - 1], (maxI[j - 1] + 1 + minI[j]) / 2);
  return out;
}
