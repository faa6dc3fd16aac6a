/**
 * Classifier-free guidance with two conditions, StableDub Eq. 7:
 *   eps = eps(0,0) + λa (eps(a,0) - eps(0,0)) + λh (eps(a,h) - eps(a,0))
 *       = (1 - λa) eps(0,0) + (λa - λh) eps(a,0) + λh eps(a,h)
 * where eps(a,h) is the prediction with the audio condition a and lip-habit condition h, and 0
 * stands for the condition's null value. Packs without a lip-habit input use the one-condition
 * form eps = (1 - λa) eps(0) + λa eps(a) (λh ignored).
 */

/** One denoiser branch: which conditions get their real value (false = null value). */
export interface GuidanceBranch {
  audio: boolean;
  habit: boolean;
}

/** The branches to run and the weight of each in the guided prediction. */
export interface GuidancePlan {
  branches: GuidanceBranch[];
  /** Same length as `branches`; the guided output is sum_i coeffs[i] * out[i]. */
  coeffs: number[];
}

/**
 * Branches and weights for Eq. 7. With `skipZero` (default), branches whose weight is exactly 0
 * are not run (λa = λh = 1 runs only eps(a,h); λa = λh = 0 only eps(0,0)).
 * @param hasHabit Whether the pack has a lip-habit condition; when false λh is ignored.
 */
export function guidancePlan(lambdaA: number, lambdaH: number, hasHabit: boolean, skipZero = true): GuidancePlan {
  const all: [GuidanceBranch, number][] = hasHabit
    ? [
        [{ audio: false, habit: false }, 1 - lambdaA],
        [{ audio: true, habit: false }, lambdaA - lambdaH],
        [{ audio: true, habit: true }, lambdaH],
      ]
    : [
        [{ audio: false, habit: false }, 1 - lambdaA],
        [{ audio: true, habit: false }, lambdaA],
      ];
  const kept = skipZero ? all.filter(([, c]) => c !== 0) : all;
  // Weights always sum to 1; if every weight were 0 (impossible: they sum to 1) keep the last.
  const use = kept.length ? kept : [all[all.length - 1]];
  return { branches: use.map(([b]) => b), coeffs: use.map(([, c]) => c) };
}

/**
 * Branch outputs with their weights, not combined yet: the guided output is what
 * `combineGuidance(outs, coeffs, n)` returns, or `outs[0]` itself for a single branch of weight 1.
 */
export interface GuidanceTerms {
  outs: Float32Array[];
  coeffs: number[];
}

/**
 * Combines branch outputs: out[j] = sum_i coeffs[i] * outputs[i][j], accumulated in branch order
 * with a float32 rounding after each term (as `out[j] += c * o[j]` on a Float32Array), in one
 * pass. Outputs may be views into one batched tensor (branch i = elements [i*n, (i+1)*n)) but
 * must not alias `out`.
 * @param n Elements per branch.
 * @throws RangeError when the counts of outputs and weights differ or a branch is shorter than n.
 */
export function combineGuidance(outputs: Float32Array[], coeffs: number[], n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  if (outputs.length !== coeffs.length) throw new RangeError(`combineGuidance: ${outputs.length} outputs, ${coeffs.length} weights`);
  outputs.forEach((o, i) => {
    if (o.length < n) throw new RangeError(`combineGuidance: branch ${i} has ${o.length} elements, need ${n}`);
  });
  const fr = Math.fround;
  if (outputs.length === 2 || outputs.length === 3) {
    if (out.length > n) out.fill(0, n); // as the zero fill of the general path
  }
  if (outputs.length === 3) {
    const [o0, o1, o2] = outputs;
    const [c0, c1, c2] = coeffs;
    // 0 + x keeps the sign rule of the zero-filled accumulator (-0 becomes +0).
    for (let j = 0; j < n; j++) out[j] = fr(fr(fr(0 + c0 * o0[j]) + c1 * o1[j]) + c2 * o2[j]);
    return out;
  }
  if (outputs.length === 2) {
    const [o0, o1] = outputs;
    const [c0, c1] = coeffs;
    for (let j = 0; j < n; j++) out[j] = fr(fr(0 + c0 * o0[j]) + c1 * o1[j]);
    return out;
  }
  out.fill(0);
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i];
    const c = coeffs[i];
    for (let j = 0; j < n; j++) out[j] += c * o[j];
  }
  return out;
}
