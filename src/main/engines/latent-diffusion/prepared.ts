/**
 * The latent-diffusion engine prepared for one segment: aligned crops, VAE latents, audio and
 * lip-habit conditions, windowed DDIM with latent inpainting and Eq. 7 guidance, decode and
 * paste-back as soft-masked patches.
 *
 * Windows are planned over the whole segment and sampled lazily in order: a `renderWindow` call
 * samples every window its frames need (reading up to `overlap` frames ahead through
 * `ctx.readFrames`), and frames become final once the last window covering them is done.
 * Final latents are kept for the segment (C*h*w floats per frame), so any frame can be emitted
 * again without resampling.
 */
import type { EngineFrameInput, Patch, PreparedEngine, SegmentContext } from '../types';
import type { RgbFrame } from '../../media/types';
import type { OpenPack } from '../../models/sessions';
import type { LatentDiffusionManifest } from '../../models/manifest';
import { invertAffine, warpAffineRgb, type Affine } from '../../imaging/affine';
import { ddimSchedule, type DdimSchedule } from '../common/ddim';
import { guidancePlan } from '../common/guidance';
import { gaussian, subSeed } from '../common/rng';
import { crossFadeWeights, lastWindowCovering, planWindows, type TemporalWindow } from '../common/windows';
import { throwIfAborted, UserError } from '../../util/errors';
import { buildCropMasks, editableRect, frameToCropTransform, type CropMasks } from './align';
import { encoderAudioConditions, melAudioConditions, type AudioConditions } from './audio-features';
import { habitCondition, evenPicks, type HabitCondition } from './habit';
import { vaeDecodeEach, vaeEncode, vaeEncodeMaskedAndKnown } from './vae';
import { ArrayPool } from '../common/array-pool';
import { pasteDecodedCrop } from './paste';
import { Denoiser, type WindowConditions } from './denoiser';
import { OverlapBlender, sampleWindow } from './sampler';
import { LD_PARAMS } from './describe';
import { fillSamples } from '../common/track';

/** Engine-level options (not user parameters). */
export interface LatentDiffusionOptions {
  /** Batch the guidance branches into one run (default true). */
  batchBranches?: boolean;
  /** Skip branches whose Eq. 7 weight is 0 (default true). */
  skipZeroBranches?: boolean;
  /** Diagnostics: called once per frame with its final latent [C, h, w] (absolute frame index). */
  onFinalLatent?: (frame: number, z: Float32Array) => void;
  /** Timing hooks for the bench. */
  stats?: { denoiserRunMs: number; denoiserRuns: number; totalMs: number; sampledFrames: number };
}

interface Slot {
  crop: Uint8Array;
  masked?: Float32Array;
  known?: Float32Array;
}

/** The engine prepared for one segment (see the module doc); built by `prepare`. */
export class LatentDiffusionSegment implements PreparedEngine {
  readonly windowSize: number;
  private readonly m: LatentDiffusionManifest;
  private readonly crop: number;
  private readonly lat: number;
  private readonly C: number;
  private readonly schedule: DdimSchedule;
  private readonly plan: TemporalWindow[];
  private readonly blender: OverlapBlender;
  private readonly slots = new Map<number, Slot>();
  private readonly finalZ = new Map<number, Float32Array>();
  private nextWindow = 0;
  private readonly modelFrames: number | null;

  private constructor(
    private readonly pack: OpenPack,
    private readonly ctx: SegmentContext,
    private readonly denoiser: Denoiser,
    private readonly transforms: Affine[],
    private readonly hasFace: boolean[],
    private readonly masks: CropMasks,
    private readonly audio: AudioConditions,
    private readonly habit: HabitCondition | null,
    private readonly reference: Float32Array,
    private readonly xT: Float32Array,
    private readonly seed: number,
    private readonly planG: ReturnType<typeof guidancePlan>,
    private readonly opts: LatentDiffusionOptions,
    /** Engine-wide reusable buffers: aligned crops, VAE batch inputs, the paste-back composite. */
    private readonly pool: ArrayPool,
    windowLen: number,
    overlap: number,
    steps: number,
    eta: number,
  ) {
    this.m = pack.manifest as LatentDiffusionManifest;
    this.crop = this.m.resolution.crop;
    this.lat = this.crop / this.m.latent.downsample;
    this.C = this.m.latent.channels;
    this.schedule = ddimSchedule({ ...this.m.sampler, steps, eta });
    const n = ctx.range.end - ctx.range.start;
    this.plan = planWindows(n, windowLen, Math.min(overlap, windowLen - 1));
    this.blender = new OverlapBlender(this.plan, crossFadeWeights(this.plan), steps, this.C * this.lat * this.lat, this.m.temporal.harmonize);
    const sampleF = this.m.temporal.layout === 'video' ? this.pack.graphs.denoiser.spec.inputs.sample.shape[2] : undefined;
    this.modelFrames = typeof sampleF === 'number' ? sampleF : null;
    this.windowSize = Math.max(1, windowLen - Math.min(overlap, windowLen - 1));
  }

  /**
   * Prepares a segment: transforms, masks, audio and lip-habit conditions, appearance latent, x_T.
   * @throws UserError `E_NO_FACE` when no frame of the range has a face; CancelledError.
   */
  static async create(pack: OpenPack, ctx: SegmentContext, opts: LatentDiffusionOptions, pool = new ArrayPool()): Promise<PreparedEngine> {
    const m = pack.manifest as LatentDiffusionManifest;
    const { range } = ctx;
    if (range.end <= range.start) throw new UserError('E_RANGE', `Empty segment range [${range.start}, ${range.end}).`);
    const filled = fillSamples(ctx.track.frames, range.start, range.end);
    if (!filled) return new NoFaceSegment(m.temporal.window);
    const crop = m.resolution.crop;
    const transforms = filled.samples.map((s) => frameToCropTransform(s, m.face, crop));
    const rect = editableRect(
      m.mask,
      crop,
      filled.samples.map((s, i) => ({ sample: s, m: transforms[i] })).filter((_, i) => filled.hasFace[i]),
    );
    const masks = buildCropMasks(rect, crop, m.latent.downsample, m.mask.feather);
    const p = ctx.params;
    const num = (k: string, d: number) => (Number.isFinite(p[k]) ? p[k] : d);
    const steps = Math.max(1, Math.round(num(LD_PARAMS.steps, m.sampler.steps)));
    const seed = Math.max(0, Math.round(num(LD_PARAMS.seed, 0)));
    const lambdaA = num(LD_PARAMS.lambdaA, m.guidance.defaults.audio);
    const lambdaH = num(LD_PARAMS.lambdaH, m.guidance.defaults.habit);
    const eta = num(LD_PARAMS.eta, m.sampler.eta);
    const overlap = Math.max(0, Math.round(num(LD_PARAMS.overlap, m.temporal.overlap)));
    const denoiser = new Denoiser(pack.graphs.denoiser, m, { batchBranches: opts.batchBranches });
    const hasHabit = denoiser.hasHabit;
    if (!hasHabit && lambdaH !== 0 && p[LD_PARAMS.lambdaH] !== undefined) ctx.log?.('This pack has no lip-habit input: λh is ignored.');
    const planG = guidancePlan(lambdaA, lambdaH, hasHabit, opts.skipZeroBranches ?? true);

    // Audio conditions of every frame of the segment (dubbed audio).
    throwIfAborted(ctx.signal);
    const indices = Array.from({ length: range.end - range.start }, (_, i) => range.start + i);
    const audio = await audioConditions(pack, m, ctx, indices);

    // Lip-habit reference: K frames for the habit condition and the middle one as appearance.
    const refCrops = await referenceCrops(m, ctx);
    const appearanceCrop = refCrops.appearance ?? (await firstFaceCrop(ctx, filled.hasFace, transforms, crop));
    const reference = await vaeEncode(pack.graphs.vaeEncoder, m.latent, [appearanceCrop], crop);
    let habit: HabitCondition | null = null;
    if (hasHabit && m.habit) {
      habit = await habitCondition(m.habit, pack.graphs.habitEncoder, refCrops.habit, crop);
      if (!refCrops.habit.length) ctx.log?.('No face in the lip-habit reference range: the lip-habit condition is empty (λh has no effect).');
    }
    const lat = crop / m.latent.downsample;
    const xT = gaussian(seed, m.latent.channels * lat * lat);
    const fixedF = m.temporal.layout === 'video' ? pack.graphs.denoiser.spec.inputs.sample.shape[2] : undefined;
    const windowLen = typeof fixedF === 'number' ? fixedF : m.temporal.window;
    return new LatentDiffusionSegment(pack, ctx, denoiser, transforms, filled.hasFace, masks, audio, habit, reference, xT, seed, planG, opts, pool, windowLen, overlap, steps, eta);
  }

  async renderWindow(inputs: EngineFrameInput[]): Promise<(Patch | null)[]> {
    const t0 = performance.now();
    throwIfAborted(this.ctx.signal);
    const { start } = this.ctx.range;
    const n = this.ctx.range.end - start;
    const rels = inputs.map((inp) => inp.frame.index - start);
    for (const [i, rel] of rels.entries()) {
      if (rel < 0 || rel >= n) throw new RangeError(`frame ${inputs[i].frame.index} is outside the segment [${start}, ${this.ctx.range.end})`);
      if (!this.finalZ.has(rel) && !this.slots.has(rel)) this.slots.set(rel, { crop: this.cropOf(inputs[i].frame, rel) });
    }
    // Sample every window the requested frames need.
    const need = Math.max(...rels.map((r) => lastWindowCovering(this.plan, r)));
    while (this.nextWindow <= need) await this.sampleNextWindow();
    // Decode requested frames (batched), composite, warp back.
    const want = rels.map((r, i) => (inputs[i].sample && this.hasFace[r] ? r : -1));
    const todo = [...new Set(want.filter((r) => r >= 0))];
    const patches = new Map<number, Patch | null>();
    if (todo.length) {
      const per = this.C * this.lat * this.lat;
      const z = new Float32Array(todo.length * per);
      todo.forEach((r, i) => z.set(this.finalZ.get(r)!, i * per));
      const composite = this.pool.uint8(this.crop * this.crop * 3);
      try {
        // Each decoded image is pasted back as soon as its batch is out (no rgb crops kept).
        await vaeDecodeEach(
          this.pack.graphs.vaeDecoder,
          this.m.latent,
          z,
          todo.length,
          this.lat,
          this.lat,
          (i, planes, offset, size) => {
            if (size !== this.crop) throw new Error(`vaeDecoder returns ${size}px crops, the pack's crop is ${this.crop}px`);
            const r = todo[i];
            const inp = inputs[rels.indexOf(r)];
            const kept = this.slots.get(r)?.crop;
            const orig = kept ?? this.cropOf(inp.frame, r);
            patches.set(r, this.pasteBack(planes, offset, orig, r, inp.frame, composite));
            if (!kept) this.pool.give(orig);
          },
          { pool: this.pool },
        );
      } finally {
        this.pool.give(composite);
      }
    }
    // Release crops no future window needs.
    const keepFrom = this.nextWindow < this.plan.length ? this.plan[this.nextWindow].start : n;
    for (const [r, slot] of [...this.slots]) {
      if (r >= keepFrom) continue;
      this.slots.delete(r);
      this.pool.give(slot.crop);
    }
    if (this.opts.stats) this.opts.stats.totalMs += performance.now() - t0;
    return want.map((r) => (r >= 0 ? (patches.get(r) ?? null) : null));
  }

  async dispose(): Promise<void> {
    // Sessions belong to the pack cache; only buffers are released here.
    for (const slot of this.slots.values()) this.pool.give(slot.crop);
    this.slots.clear();
    this.finalZ.clear();
  }

  /** Aligned crop of a frame (crop x crop rgb24) in a pooled buffer (give it back when done). */
  private cropOf(frame: RgbFrame, rel: number): Uint8Array {
    return warpAffineRgb(frame, invertAffine(this.transforms[rel]), this.crop, this.crop, { antialias: true, out: this.pool.uint8(this.crop * this.crop * 3) });
  }

  /** Blends the decoded crop (decoder planes at `offset`) over the original crop with the soft mask and warps it to the frame. */
  private pasteBack(planes: Float32Array, offset: number, orig: Uint8Array, rel: number, frame: RgbFrame, composite: Uint8Array): Patch | null {
    return pasteDecodedCrop({ planes, offset, pixels: this.m.latent.pixels, orig, soft: this.masks.soft, rect: this.masks.rect, crop: this.crop }, this.transforms[rel], frame.width, frame.height, composite);
  }

  /** Makes sure slots [a, b) exist, reading missing frames from the decoder. */
  private async ensureSlots(a: number, b: number): Promise<void> {
    let s = a;
    while (s < b) {
      if (this.slots.has(s)) {
        s++;
        continue;
      }
      let e = s;
      while (e < b && !this.slots.has(e)) e++;
      const base = this.ctx.range.start;
      await this.ctx.readFrames({ start: base + s, end: base + e }, (fr) => {
        const rel = fr.index - base;
        if (rel >= s && rel < e) this.slots.set(rel, { crop: this.cropOf(fr, rel) });
      });
      for (let r = s; r < e; r++) if (!this.slots.has(r)) throw new UserError('E_DECODE', `Frame ${base + r} could not be decoded.`);
      s = e;
    }
  }

  private async sampleNextWindow(): Promise<void> {
    const k = this.nextWindow;
    const win = this.plan[k];
    await this.ensureSlots(win.start, win.start + win.length);
    throwIfAborted(this.ctx.signal);
    // Frames fed to the model: the window's, padded by repeating the last when the graph's F is fixed.
    const F = this.modelFrames ?? win.length;
    const rels = Array.from({ length: F }, (_, j) => win.start + Math.min(j, win.length - 1));
    const per = this.C * this.lat * this.lat;
    const plane = this.lat * this.lat;
    // VAE latents of crops not encoded yet (masked input + known latent), batched.
    const enc = [...new Set(rels)].filter((r) => !this.slots.get(r)!.masked);
    if (enc.length) {
      const crops = enc.map((r) => this.slots.get(r)!.crop);
      let masked: Float32Array;
      let known: Float32Array | null = null;
      if (this.m.latentInpainting) {
        ({ masked, known } = await vaeEncodeMaskedAndKnown(this.pack.graphs.vaeEncoder, this.m.latent, crops, this.crop, this.masks.hardRuns, this.m.maskFill, this.pool));
      } else {
        masked = await vaeEncode(this.pack.graphs.vaeEncoder, this.m.latent, crops, this.crop, { editable: this.masks.hardRuns, fill: this.m.maskFill, pool: this.pool });
      }
      enc.forEach((r, i) => {
        const s = this.slots.get(r)!;
        s.masked = masked.subarray(i * per, (i + 1) * per);
        if (known) s.known = known.subarray(i * per, (i + 1) * per);
      });
    }
    // Window buffers (fully written below) come from the pool and go back once the window is done.
    const mask = this.pool.float32(F * plane);
    const maskedAll = this.pool.float32(F * per);
    const knownAll = this.m.latentInpainting ? this.pool.float32(F * per) : null;
    const aItem = this.audio.itemDims.reduce((a, b) => a * b, 1);
    const audio = this.pool.float32(F * aItem);
    const xBuf = this.pool.float32(F * per);
    rels.forEach((r, j) => {
      mask.set(this.masks.latent, j * plane);
      maskedAll.set(this.slots.get(r)!.masked!, j * per);
      if (knownAll) knownAll.set(this.slots.get(r)!.known!, j * per);
      audio.set(this.audio.perFrame.subarray(r * aItem, (r + 1) * aItem), j * aItem);
    });
    const cond: WindowConditions = {
      frames: F,
      mask,
      masked: maskedAll,
      reference: this.reference,
      audio,
      audioItemDims: this.audio.itemDims,
      audioNull: this.audio.nullValue,
      habit: this.habit?.value ?? null,
      habitItemDims: this.habit?.itemDims ?? [],
      habitNull: this.habit?.nullValue ?? null,
    };
    const prepared = this.denoiser.prepareWindow(cond, this.planG, this.pool);
    const before = { ms: this.denoiser.runMs, runs: this.denoiser.runs };
    const eta = this.schedule.config.eta;
    let z0: Float32Array;
    try {
      z0 = await sampleWindow({
        schedule: this.schedule,
        frames: F,
        channels: this.C,
        plane,
        xT: this.xT,
        known: knownAll ? { z0: knownAll, editable: mask } : null,
        harmonize: this.blender.harmonizer(k),
        predict: (x, t) => this.denoiser.predict(prepared, x, t),
        predictTerms: (x, t) => this.denoiser.predictTerms(prepared, x, t),
        stepNoise: eta > 0 ? (i) => gaussian(subSeed(this.seed, i + 1), per) : undefined,
        signal: this.ctx.signal,
        out: xBuf,
      });
    } finally {
      this.denoiser.releaseWindow(prepared, this.pool);
      for (const b of [mask, maskedAll, knownAll, audio]) this.pool.give(b);
    }
    if (this.opts.stats) {
      this.opts.stats.denoiserRunMs += this.denoiser.runMs - before.ms;
      this.opts.stats.denoiserRuns += this.denoiser.runs - before.runs;
      this.opts.stats.sampledFrames += win.length;
    }
    for (const [f, z] of this.blender.finish(k, z0)) {
      this.finalZ.set(f, z);
      this.opts.onFinalLatent?.(this.ctx.range.start + f, z);
    }
    this.pool.give(xBuf);
    this.nextWindow++;
  }
}

/** Segment without any face: every frame is left untouched. */
class NoFaceSegment implements PreparedEngine {
  constructor(readonly windowSize: number) {}
  async renderWindow(inputs: EngineFrameInput[]): Promise<(Patch | null)[]> {
    return inputs.map(() => null);
  }
  async dispose(): Promise<void> {}
}

async function audioConditions(pack: OpenPack, m: LatentDiffusionManifest, ctx: SegmentContext, indices: number[]): Promise<AudioConditions> {
  if (m.audio.kind === 'encoder') {
    return encoderAudioConditions(pack.graphs.audioEncoder, m.audio, ctx.dubAudio, ctx.video.fps, indices, m.guidance.audio.null, ctx.signal);
  }
  return melAudioConditions(pack.graphs.audioEncoder, ctx.dubAudio, ctx.video.fps, indices[0], indices[indices.length - 1] + 1, m.guidance.audio.null);
}

/** Aligned crops of the lip-habit reference: K evenly spaced frames with a face, and the middle one. */
async function referenceCrops(m: LatentDiffusionManifest, ctx: SegmentContext): Promise<{ habit: Uint8Array[]; appearance: Uint8Array | null }> {
  const { reference } = ctx;
  const crop = m.resolution.crop;
  const withFace: number[] = [];
  for (let i = Math.max(0, reference.start); i < Math.min(reference.end, ctx.track.frames.length); i++) if (ctx.track.frames[i]) withFace.push(i);
  if (!withFace.length) return { habit: [], appearance: null };
  const K = m.habit?.frames ?? 0;
  const habitIdx = new Set(evenPicks(withFace.length, K).map((p) => withFace[p]));
  const mid = withFace[Math.floor(withFace.length / 2)];
  const wanted = new Set([...habitIdx, mid]);
  const crops = new Map<number, Uint8Array>();
  const lo = Math.min(...wanted);
  const hi = Math.max(...wanted) + 1;
  await ctx.readFrames({ start: lo, end: hi }, (fr) => {
    throwIfAborted(ctx.signal);
    if (!wanted.has(fr.index)) return;
    const s = ctx.track.frames[fr.index]!;
    crops.set(fr.index, warpAffineRgb(fr, invertAffine(frameToCropTransform(s, m.face, crop)), crop, crop, { antialias: true }));
  });
  const habitOrder = evenPicks(withFace.length, K).map((p) => crops.get(withFace[p])).filter((c): c is Uint8Array => !!c);
  const app = crops.get(mid);
  return { habit: habitOrder, appearance: app ?? null };
}

/** Aligned crop of the segment's first frame with a face (appearance fallback). */
async function firstFaceCrop(ctx: SegmentContext, hasFace: boolean[], transforms: Affine[], crop: number): Promise<Uint8Array> {
  const first = hasFace.indexOf(true);
  const abs = ctx.range.start + first;
  let out: Uint8Array | null = null;
  await ctx.readFrames({ start: abs, end: abs + 1 }, (fr) => {
    if (fr.index === abs) out = warpAffineRgb(fr, invertAffine(transforms[first]), crop, crop, { antialias: true });
  });
  if (!out) throw new UserError('E_DECODE', `Could not read frame ${abs}.`);
  return out;
}
