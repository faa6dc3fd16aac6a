/**
 * The denoiser with two-condition classifier-free guidance (StableDub Eq. 7). The guidance
 * branches (unconditional, audio, audio + lip habit) are batched into one `session.run` when the
 * graph's batch dim is symbolic; `batchBranches: false` (or a fixed batch) runs them separately.
 *
 * Internal latent layout is frame-major [F, C, h, w]. Graph layouts (manifest `temporal.layout`):
 *   frames-in-batch: sample [N, Cs, h, w], N = branches x F (branch-major); audio [N, ...a];
 *                    habit [N, ...h]; mask [N, 1, h, w]; masked / reference [N, C, h, w].
 *   video:           sample [B, Cs, F, h, w], B = branches; audio [B, F, ...a]; habit [B, ...h];
 *                    mask [B, 1, F, h, w]; masked / reference [B, C, F, h, w].
 * `Cs` is the channel concatenation of `sampleComponents` (noisy, mask, masked, reference).
 * Timestep: scalar [], [1] or per item [N] / [B], int64 or float per the manifest.
 */
import type * as ort from 'onnxruntime-node';
import type { GraphSession } from '../../models/sessions';
import type { LatentDiffusionManifest, TensorSpec } from '../../models/manifest';
import { combineGuidance, type GuidanceBranch, type GuidancePlan, type GuidanceTerms } from '../common/guidance';
import { fixedBatch, halfTensor, makeFilledTensor, makeTensor, numel, readFloats } from '../common/tensors';
import { floatsToHalf } from '../common/fp16';
import type { ArrayPool } from '../common/array-pool';

/** Conditions of one temporal window. */
export interface WindowConditions {
  /** Frames fed to the model (F). */
  frames: number;
  /** [F, h, w], 1 = editable. */
  mask: Float32Array;
  /** [F, C, h, w]: latent of each frame with the editable region filled. */
  masked: Float32Array;
  /** [C, h, w]: appearance (reference) latent, the same for every frame. */
  reference: Float32Array;
  /** [F, ...audioItemDims]. */
  audio: Float32Array;
  audioItemDims: number[];
  audioNull: Float32Array;
  /** Segment-level lip-habit item, or null when the pack has no habit input. */
  habit: Float32Array | null;
  habitItemDims: number[];
  habitNull: Float32Array | null;
}

type Component = 'noisy' | 'mask' | 'masked' | 'reference';

interface RunGroup {
  /** (branch, frame) per item; frame = -1 in video layout (the item holds all frames). */
  items: { branch: number; frame: number }[];
  /** Items actually fed (>= items.length when padded to a fixed batch). */
  batch: number;
  sample: Float32Array;
  /** fp16 graphs: half bits of `sample`, kept across steps (see `sampleTensor`). */
  sampleHalf?: Uint16Array;
  statics: Record<string, ort.Tensor>;
  timestep: TensorSpec;
}

/** Static feeds of one window, reused at every step. */
export interface PreparedWindow {
  plan: GuidancePlan;
  frames: number;
  groups: RunGroup[];
  /** Per-branch output buffers [F, C, h, w] and the guided result, reused at every step. */
  outs: Float32Array[];
  guided: Float32Array;
  /**
   * One group, frames-in-batch, unpadded, items in (branch, frame) order: the run's output is the
   * branch outputs back to back, used in place by `predictTerms` / `predict` (no copies).
   */
  direct: boolean;
}

export interface DenoiserOptions {
  /** Batch the guidance branches into one run (default true; forced off by a fixed batch of 1). */
  batchBranches?: boolean;
}

/** One denoiser graph with Eq. 7 guidance over a window of frames (layouts in the module doc). */
export class Denoiser {
  readonly layout: 'frames-in-batch' | 'video';
  readonly channels: number;
  readonly h: number;
  readonly w: number;
  readonly hasHabit: boolean;
  private readonly components: Component[];
  private readonly sampleChannels: number;
  private readonly offsets: Record<Component, number>;
  private readonly batchBranches: boolean;
  /** Wall time spent inside `session.run` (ms), for the bench. */
  runMs = 0;
  runs = 0;

  constructor(
    readonly graph: GraphSession,
    manifest: LatentDiffusionManifest,
    opts: DenoiserOptions = {},
  ) {
    this.layout = manifest.temporal.layout;
    this.channels = manifest.latent.channels;
    this.h = this.w = manifest.resolution.crop / manifest.latent.downsample;
    this.hasHabit = !!graph.spec.inputs.habit;
    this.components = manifest.sampleComponents;
    const width: Record<Component, number> = { noisy: this.channels, mask: 1, masked: this.channels, reference: this.channels };
    this.offsets = { noisy: -1, mask: -1, masked: -1, reference: -1 };
    let c = 0;
    for (const comp of this.components) {
      this.offsets[comp] = c;
      c += width[comp];
    }
    this.sampleChannels = c;
    const declared = graph.spec.inputs.sample.shape[1];
    if (typeof declared === 'number' && declared !== c) {
      throw new Error(`denoiser "sample" has ${declared} channels but sampleComponents [${this.components.join(', ')}] make ${c}`);
    }
    this.batchBranches = opts.batchBranches ?? true;
  }

  /**
   * Builds the static feeds (conditions, per-branch null values) of a window for a guidance plan.
   * @param pool Where the window's large buffers come from (they are fully written before use);
   *   give them back with `releaseWindow` once the window is done.
   */
  prepareWindow(cond: WindowConditions, plan: GuidancePlan, pool?: ArrayPool): PreparedWindow {
    const F = cond.frames;
    const spec = this.graph.spec.inputs;
    const fixed = fixedBatch(spec.sample);
    const video = this.layout === 'video';
    const all: { branch: number; frame: number }[] = [];
    plan.branches.forEach((_, b) => {
      if (video) all.push({ branch: b, frame: -1 });
      else for (let f = 0; f < F; f++) all.push({ branch: b, frame: f });
    });
    // Split into runs: all at once, or per branch; then by the graph's fixed batch size.
    const perRun: { branch: number; frame: number }[][] = this.batchBranches ? [all] : plan.branches.map((_, b) => all.filter((it) => it.branch === b));
    const groups: RunGroup[] = [];
    for (const list of perRun) {
      const size = fixed ?? list.length;
      for (let s = 0; s < list.length; s += size) {
        const items = list.slice(s, s + size);
        groups.push(this.buildGroup(items, size, cond, plan.branches, pool));
      }
    }
    const n = F * this.channels * this.h * this.w;
    const g0 = groups[0];
    const direct = !video && groups.length === 1 && g0.batch === g0.items.length && g0.items.every((it, i) => it.branch === Math.floor(i / F) && it.frame === i % F);
    const alloc = (len: number) => (pool ? pool.float32(len) : new Float32Array(len));
    return { plan, frames: F, groups, outs: plan.branches.map(() => alloc(n)), guided: alloc(n), direct };
  }

  /** Gives a window's buffers back to the pool they came from; the window must not be used afterwards. */
  releaseWindow(win: PreparedWindow, pool: ArrayPool): void {
    for (const g of win.groups) pool.give(g.sample);
    for (const o of win.outs) pool.give(o);
    pool.give(win.guided);
  }

  private buildGroup(items: { branch: number; frame: number }[], batch: number, cond: WindowConditions, branches: GuidanceBranch[], pool?: ArrayPool): RunGroup {
    const spec = this.graph.spec.inputs;
    const F = cond.frames;
    const P = this.h * this.w;
    const C = this.channels;
    const video = this.layout === 'video';
    const padded = [...items];
    while (padded.length < batch) padded.push(items[items.length - 1]);
    const Cs = this.sampleChannels;
    const perItemSample = video ? Cs * F * P : Cs * P;
    // Every channel of every item is written: static ones below, noisy ones before each run.
    const sample = pool ? pool.float32(batch * perItemSample) : new Float32Array(batch * perItemSample);

    // Static channels of `sample` (mask, masked, reference) and the separate static inputs.
    const writeComp = (dst: Float32Array, base: number, chOff: number, comp: Component, frame: number) => {
      const nCh = comp === 'mask' ? 1 : C;
      const frames = frame < 0 ? [...Array(F).keys()] : [frame];
      for (const f of frames) {
        for (let c = 0; c < nCh; c++) {
          const src =
            comp === 'mask' ? cond.mask.subarray(f * P, (f + 1) * P) : comp === 'masked' ? cond.masked.subarray((f * C + c) * P, (f * C + c + 1) * P) : cond.reference.subarray(c * P, (c + 1) * P);
          const dstOff = frame < 0 ? base + ((chOff + c) * F + f) * P : base + (chOff + c) * P;
          dst.set(src, dstOff);
        }
      }
    };
    padded.forEach((it, i) => {
      for (const comp of this.components) if (comp !== 'noisy') writeComp(sample, i * perItemSample, this.offsets[comp], comp, it.frame);
    });
    const statics: Record<string, ort.Tensor> = {};
    for (const comp of ['mask', 'masked', 'reference'] as const) {
      const s = spec[comp];
      if (!s) continue;
      const nCh = comp === 'mask' ? 1 : C;
      const per = video ? nCh * F * P : nCh * P;
      const buf = new Float32Array(batch * per);
      padded.forEach((it, i) => writeComp(buf, i * per, 0, comp, it.frame));
      statics[comp] = makeTensor(s, buf, video ? [batch, nCh, F, this.h, this.w] : [batch, nCh, this.h, this.w]);
    }
    // Audio: per frame; null value for branches without audio.
    {
      const s = spec.audio;
      const item = numel(cond.audioItemDims);
      const per = video ? F * item : item;
      const buf = new Float32Array(batch * per);
      padded.forEach((it, i) => {
        const useAudio = branches[it.branch].audio;
        const frames = it.frame < 0 ? [...Array(F).keys()] : [it.frame];
        frames.forEach((f, k) => buf.set(useAudio ? cond.audio.subarray(f * item, (f + 1) * item) : cond.audioNull, i * per + k * item));
      });
      statics.audio = makeTensor(s, buf, video ? [batch, F, ...cond.audioItemDims] : [batch, ...cond.audioItemDims]);
    }
    if (spec.habit && cond.habit && cond.habitNull) {
      const item = cond.habit.length;
      const buf = new Float32Array(batch * item);
      padded.forEach((it, i) => buf.set(branches[it.branch].habit ? cond.habit! : cond.habitNull!, i * item));
      statics.habit = makeTensor(spec.habit, buf, [batch, ...cond.habitItemDims]);
    }
    return { items, batch, sample, statics, timestep: spec.timestep };
  }

  /**
   * Runs every branch at timestep t on x_t ([F, C, h, w]).
   * @returns One Float32Array [F, C, h, w] per branch of the plan, in plan order (buffers owned by
   *   `win`, overwritten by the next call).
   */
  async predictBranches(win: PreparedWindow, xt: Float32Array, t: number): Promise<Float32Array[]> {
    const F = win.frames;
    const P = this.h * this.w;
    const C = this.channels;
    const perFrame = C * P;
    const outs = win.outs;
    for (const g of win.groups) {
      const out = await this.runGroup(g, F, xt, t);
      g.items.forEach((it, i) => {
        const dst = outs[it.branch];
        if (this.layout === 'video') {
          // [C, F, h, w] -> [F, C, h, w]
          const base = i * C * F * P;
          for (let c = 0; c < C; c++)
            for (let f = 0; f < F; f++) dst.set(out.subarray(base + (c * F + f) * P, base + (c * F + f + 1) * P), (f * C + c) * P);
        } else {
          dst.set(out.subarray(i * perFrame, (i + 1) * perFrame), it.frame * perFrame);
        }
      });
    }
    return outs;
  }

  /** Writes x_t into the group's `sample` buffer, runs the graph once; returns its prediction output. */
  private async runGroup(g: RunGroup, F: number, xt: Float32Array, t: number): Promise<Float32Array> {
    const P = this.h * this.w;
    const C = this.channels;
    const video = this.layout === 'video';
    const perFrame = C * P;
    const spec = this.graph.spec;
    const Cs = this.sampleChannels;
    const perItem = video ? Cs * F * P : Cs * P;
    const noisyOff = this.offsets.noisy;
    for (let i = 0; i < g.batch; i++) {
      const it = g.items[Math.min(i, g.items.length - 1)];
      if (video) {
        for (let f = 0; f < F; f++)
          for (let c = 0; c < C; c++) g.sample.set(xt.subarray((f * C + c) * P, (f * C + c + 1) * P), i * perItem + ((noisyOff + c) * F + f) * P);
      } else {
        g.sample.set(xt.subarray(it.frame * perFrame, (it.frame + 1) * perFrame), i * perItem + noisyOff * P);
      }
    }
    const sampleDims = video ? [g.batch, Cs, F, this.h, this.w] : [g.batch, Cs, this.h, this.w];
    const ts = g.timestep;
    const tDims = ts.shape.length === 0 ? [] : ts.shape.length === 1 && ts.shape[0] === 1 ? [1] : [g.batch];
    const feeds: Record<string, ort.Tensor> = {
      [spec.inputs.sample.name]: this.sampleTensor(g, sampleDims, video ? F : 1),
      [ts.name]: makeFilledTensor(ts, t, tDims),
    };
    for (const [k, v] of Object.entries(g.statics)) feeds[spec.inputs[k].name] = v;
    const t0 = performance.now();
    const res = await this.graph.session.run(feeds);
    this.runMs += performance.now() - t0;
    this.runs++;
    return readFloats(res[spec.outputs.prediction.name]);
  }

  /**
   * The `sample` tensor of a group. fp16 graphs keep the half bits of the whole buffer from the
   * first step and convert only the noisy channels afterwards (the other channels do not change
   * within a window); the bits are the same as converting the whole buffer.
   * @param framesPerChannel F in video layout (channel planes are F*h*w long), else 1.
   */
  private sampleTensor(g: RunGroup, dims: number[], framesPerChannel: number): ort.Tensor {
    const spec = this.graph.spec.inputs.sample;
    if (spec.dtype !== 'fp16') return makeTensor(spec, g.sample, dims);
    if (!g.sampleHalf) {
      g.sampleHalf = floatsToHalf(g.sample);
    } else {
      const P = this.h * this.w * framesPerChannel;
      const perItem = this.sampleChannels * P;
      const noisy = this.offsets.noisy * P;
      const len = this.channels * P;
      for (let i = 0; i < g.batch; i++) floatsToHalf(g.sample, g.sampleHalf, i * perItem + noisy, i * perItem + noisy + len);
    }
    return halfTensor(g.sampleHalf, dims);
  }

  /**
   * Every branch at timestep t with its Eq. 7 weight, not combined. With `win.direct` the outputs
   * are views of the run's output (no copy); either way they are valid until the next call.
   */
  async predictTerms(win: PreparedWindow, xt: Float32Array, t: number): Promise<GuidanceTerms> {
    const { coeffs } = win.plan;
    if (!win.direct) return { outs: await this.predictBranches(win, xt, t), coeffs };
    // One run holds every branch, branch-major in [F, C, h, w] order.
    const n = xt.length;
    const out = await this.runGroup(win.groups[0], win.frames, xt, t);
    return { outs: coeffs.map((_, b) => out.subarray(b * n, (b + 1) * n)), coeffs };
  }

  /** Guided prediction (Eq. 7) at timestep t: [F, C, h, w] (a buffer owned by `win`). */
  async predict(win: PreparedWindow, xt: Float32Array, t: number): Promise<Float32Array> {
    const { outs, coeffs } = await this.predictTerms(win, xt, t);
    if (outs.length === 1 && coeffs[0] === 1) {
      if (outs[0] !== win.outs[0]) win.outs[0].set(outs[0]);
      return win.outs[0];
    }
    return combineGuidance(outs, coeffs, xt.length, win.guided);
  }
}
