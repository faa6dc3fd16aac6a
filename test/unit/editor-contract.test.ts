import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { channels, contract, type Channel } from '../../src/shared/api/contract';
import { engineDescriptionSchema, fillParams, normalizeParam, type EngineDescriptionWire } from '../../src/shared/engines';
import { createDispatcher } from '../../src/main/services/dispatch';
import type { Handlers } from '../../src/main/services/services';
import type { EngineDescription } from '../../src/main/engines/types';
import { createEngine, ENGINE_IDS } from '../../src/main/engines/registry';
import { REFERENCE_ENGINE_DESCRIPTION } from '../../src/main/engines/reference/reference-engine';
import { closeAllPacks } from '../../src/main/models/sessions';
import { createRealPipeline } from '../../src/main/services/pipeline-real';
import { createFakePipeline } from '../../src/main/services/pipeline-fake';
import { writeTinyLdPack, writeTinyWav2LipPack } from '../helpers/tiny-packs';
import { UserError } from '../../src/main/util/errors';
import { emptyProject } from '../../src/shared/project/schema';

/** Handlers that record what reached them (only valid requests should). */
function recordingHandlers(calls: Array<[string, unknown]>): Handlers {
  const h: Record<string, (req: unknown) => Promise<unknown>> = {};
  for (const c of channels) {
    h[c] = async (req) => {
      calls.push([c, req]);
      if (c === 'media.open') throw new UserError('E_UNREADABLE', 'not a video', 'pick a video file');
      if (c === 'fs.list') throw new Error('boom');
      return { ok: true };
    };
  }
  return h as unknown as Handlers;
}

describe('API contract validation', () => {
  const calls: Array<[string, unknown]> = [];
  const dispatch = createDispatcher(recordingHandlers(calls));
  const bad: Array<[Channel | string, unknown, RegExp]> = [
    ['no.such.channel', {}, /Unknown API channel/],
    ['__proto__', {}, /Unknown API channel/],
    ['media.open', { path: '', kind: 'video' }, /path/],
    ['media.open', { path: '/a.mp4', kind: 'image' }, /kind/],
    ['media.peaks', { path: '/a.wav', peaksPerSecond: 5 }, /peaksPerSecond/],
    ['media.thumbnails', { path: '/a.mp4', count: 1000, height: 48 }, /count/],
    ['jobs.render', { project: { version: 2 }, projectPath: null, segmentId: 's' }, /project/],
    ['jobs.render', { project: emptyProject(), projectPath: null }, /segmentId/],
    ['jobs.export', { project: emptyProject(), out: '/x.mp4', codec: 'vp9', audio: [] }, /codec/],
    ['project.save', { path: 42, project: emptyProject() }, /path/],
    ['jobs.cancel', {}, /jobId/],
    ['fs.findByName', { dir: '/x', names: Array(100).fill('a') }, /names/],
  ];
  for (const [channel, payload, re] of bad) {
    it(`refuses ${channel} ${JSON.stringify(payload).slice(0, 60)}`, async () => {
      const before = calls.length;
      const r = await dispatch(channel, payload);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('E_BAD_REQUEST');
        expect(r.error.message).toMatch(re);
      }
      expect(calls.length).toBe(before);
    });
  }

  it('passes valid requests (with defaults applied) to the handler', async () => {
    const r = await dispatch('media.peaks', { path: '/a.wav' });
    expect(r).toEqual({ ok: true, result: { ok: true } });
    expect(calls.at(-1)).toEqual(['media.peaks', { path: '/a.wav', peaksPerSecond: 100 }]);
  });

  it('turns UserErrors into message + hint, and other errors into E_INTERNAL', async () => {
    expect(await dispatch('media.open', { path: '/a.txt', kind: 'video' })).toEqual({ ok: false, error: { code: 'E_UNREADABLE', message: 'not a video', hint: 'pick a video file' } });
    const r = await dispatch('fs.list', {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('E_INTERNAL');
  });

  it('every channel has request and response schemas', () => {
    for (const c of channels) {
      expect(contract[c].request.safeParse).toBeTypeOf('function');
      expect(contract[c].response.safeParse).toBeTypeOf('function');
    }
  });
});

describe('engine parameter schema', () => {
  it('fills, clamps and snaps parameters by the reference engine’s schema', () => {
    const wire: EngineDescriptionWire = engineDescriptionSchema.parse(REFERENCE_ENGINE_DESCRIPTION);
    // The two types stay assignable both ways (checked by `npm run typecheck`).
    const back: EngineDescription = wire;
    const forth: EngineDescriptionWire = REFERENCE_ENGINE_DESCRIPTION;
    expect(back).toStrictEqual(forth);
    const spec = (key: string) => wire.params.find((p) => p.key === key)!;
    const defaults = Object.fromEntries(wire.params.map((p) => [p.key, p.default]));
    expect(fillParams(wire, { lambdaA: 99, unknown: 1 })).toEqual({ ...defaults, lambdaA: spec('lambdaA').max });
    expect(normalizeParam(spec('lambdaA'), 0.30000000000000004)).toBe(0.3);
    expect(spec('fadeFrames').integer).toBe(true);
    expect(normalizeParam(spec('fadeFrames'), 7.6)).toBe(8);
    expect(normalizeParam(spec('fadeFrames'), Number.NaN)).toBe(spec('fadeFrames').default);
  });
});

describe('engine descriptions on the wire', () => {
  let root: string;
  /** Pack for each engine of the registry that needs one (tiny graphs, same manifests as real packs). */
  const packs: Record<string, string | undefined> = {};
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'engine-wire-'));
    packs['latent-diffusion'] = path.join(root, 'ld');
    await writeTinyLdPack(packs['latent-diffusion'], { habit: 'encoder' });
    packs.wav2lip = path.join(root, 'w2l');
    await writeTinyWav2LipPack(packs.wav2lip);
  });
  afterAll(async () => {
    await closeAllPacks(root);
    await rm(root, { recursive: true, force: true });
  });

  /** The description as the renderer receives it: JSON, then the contract's schema. */
  const overTheWire = (d: EngineDescription) => engineDescriptionSchema.parse(JSON.parse(JSON.stringify(d)));

  it('every engine of the registry describes itself exactly as the wire schema carries it', async () => {
    const described: EngineDescription[] = [];
    for (const id of ENGINE_IDS) {
      const engine = await createEngine(id, { pack: packs[id], providers: ['cpu'] });
      described.push(engine.describe());
    }
    expect(described.map((d) => d.id)).toEqual([...ENGINE_IDS]);
    // The reference engine's optional flags must survive (they steer cropped decoding and the matte).
    expect(described[0]).toMatchObject({ acceptsCroppedFrames: true, faceMatte: true });
    for (const d of described) expect(overTheWire(d), d.id).toStrictEqual(d);
  });

  it('the listed engines (real and fake pipeline) pass the wire schema unchanged', async () => {
    for (const pipeline of [createRealPipeline(), createFakePipeline()]) {
      const listed = await pipeline.listEngines();
      const response = contract['engines.list'].response.parse(JSON.parse(JSON.stringify(listed)));
      expect(response, pipeline.kind).toStrictEqual(listed);
    }
  });
});
