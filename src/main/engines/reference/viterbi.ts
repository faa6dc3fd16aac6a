/**
 * Reference-frame selection by dynamic programming (Viterbi) for the reference-driven engine.
 *
 * For output frames t = 0..T-1 and reference frames r = 0..R-1 the path r(t) minimizes
 *   sum_t U[t, r(t)] + sum_{t>0} J(r(t-1), r(t))
 * where U is the unary cost (λa x audio-context distance, plus the silence term) and J the jump
 * cost: 0 when r(t) = r(t-1) + 1 (the reference plays on naturally), otherwise λh x the mouth
 * shape distance between the frame that would naturally come next, r(t-1) + 1, and r(t), plus a
 * fixed cut cost. Repeating a frame (r(t) = r(t-1)) pays `holdCost` so the mouth does not freeze.
 */
export interface ViterbiInput {
  /** Float32Array(T * R), row-major [T, R]: unary cost of reference r at output frame t. */
  unary: Float32Array;
  T: number;
  R: number;
  /**
   * Float32Array(R * R), row-major [R, R]: mouth-shape distance D[a, b] between reference
   * frames a and b (symmetric, 0 on the diagonal).
   */
  shapeDistance: Float32Array;
  /** λh: weight of the mouth-shape jump. */
  lambdaH: number;
  /** Fixed cost added to every cut (a jump that is not r+1). Default 0.05. */
  cutCost?: number;
  /** Cost of showing the same reference frame twice in a row. Default 0.1. */
  holdCost?: number;
}

/**
 * Runs Viterbi, O(T R^2) time, O(T R) memory for back-pointers.
 * @returns Int32Array(T) of chosen reference indices (0-based within the reference range).
 * @throws Error when T or R is 0 or array sizes do not match.
 */
export function viterbiSelect(input: ViterbiInput): Int32Array {
  const { unary, T, R, shapeDistance, lambdaH } = input;
  const cut = input.cutCost ?? 0.05;
  const hold = input.holdCost ?? 0.1;
  if (T <= 0 || R <= 0) throw new Error(`viterbiSelect needs T > 0 and R > 0 (got T=${T}, R=${R})`);
  if (unary.length !== T * R) throw new Error(`unary has ${unary.length} values, expected T*R = ${T * R}`);
  if (shapeDistance.length !== R * R) throw new Error(`shapeDistance has ${shapeDistance.length} values, expected R*R = ${R * R}`);

  // Jump cost matrix J[a, b] from previous a to next b.
  const J = new Float32Array(R * R);
  for (let a = 0; a < R; a++) {
    const nextNatural = Math.min(a + 1, R - 1);
    for (let b = 0; b < R; b++) {
      let c: number;
      if (b === a + 1) c = 0;
      else if (b === a) c = hold;
      else c = lambdaH * shapeDistance[nextNatural * R + b] + cut;
      J[a * R + b] = c;
    }
  }

  let prev = new Float64Array(R);
  let cur = new Float64Array(R);
  const back = new Int32Array(T * R);
  for (let r = 0; r < R; r++) prev[r] = unary[r];
  for (let t = 1; t < T; t++) {
    const rowU = t * R;
    for (let b = 0; b < R; b++) {
      let best = Infinity;
      let arg = 0;
      for (let a = 0; a < R; a++) {
        const v = prev[a] + J[a * R + b];
        if (v < best) {
          best = v;
          arg = a;
        }
      }
      cur[b] = best + unary[rowU + b];
      back[rowU + b] = arg;
    }
    [prev, cur] = [cur, prev];
  }
  let bestR = 0;
  for (let r = 1; r < R; r++) if (prev[r] < prev[bestR]) bestR = r;
  const path = new Int32Array(T);
  path[T - 1] = bestR;
  for (let t = T - 1; t > 0; t--) path[t - 1] = back[t * R + path[t]];
  return path;
}

/** Total cost of a path under the same model (for tests and diagnostics). */
export function pathCost(input: ViterbiInput, path: ArrayLike<number>): number {
  const { unary, R, shapeDistance, lambdaH } = input;
  const cut = input.cutCost ?? 0.05;
  const hold = input.holdCost ?? 0.1;
  let total = 0;
  for (let t = 0; t < path.length; t++) {
    total += unary[t * R + path[t]];
    if (t > 0) {
      const a = path[t - 1];
      const b = path[t];
      if (b === a + 1) continue;
      if (b === a) total += hold;
      else total += lambdaH * shapeDistance[Math.min(a + 1, R - 1) * R + b] + cut;
    }
  }
  return total;
}
