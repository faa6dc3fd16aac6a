import { describe, expect, it } from 'vitest';
import { channels, contract, type Channel } from '../../src/shared/api/contract';
import { engineDescriptionSchema, fillParams, normalizeParam, type EngineDescriptionWire } from '../../src/shared/engines';
import { createDispatcher } from '../../src/main/services/dispatch';
import type { Handlers } from '../../src/main/services/services';
import type { EngineDescription } from '../../src/main/engines/types';
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
  it('the wire schema describes the pipeline’s EngineDescription', () => {
    const desc: EngineDescription = {
      id: 'latent-diffusion',
      name: 'LD',
      params: [
        { key: 'audioGuidance', label: 'λa', min: 0, max: 10, step: 0.1, default: 3, help: 'audio guidance' },
        { key: 'steps', label: 'Steps', min: 1, max: 100, step: 1, default: 20, help: 'DDIM steps', integer: true },
      ],
      needs: { weights: true, lipHabitReference: true, referenceAudio: false },
      notes: [],
    };
    const wire: EngineDescriptionWire = engineDescriptionSchema.parse(desc);
    const back: EngineDescription = wire;
    expect(back).toEqual(desc);
    expect(fillParams(wire, { audioGuidance: 99, unknown: 1 })).toEqual({ audioGuidance: 10, steps: 20 });
    expect(normalizeParam(wire.params[0], 0.30000000000000004)).toBe(0.3);
    expect(normalizeParam(wire.params[1], 7.6)).toBe(8);
    expect(normalizeParam(wire.params[1], Number.NaN)).toBe(20);
  });
});
