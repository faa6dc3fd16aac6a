import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaAccessPolicy, parseRange, serveMedia } from '../../src/main/services/media-access';
import { listDirectory } from '../../src/main/services/file-browser';
import { startBridge, type BridgeServer } from '../../src/main/bridge/server';
import { createDispatcher } from '../../src/main/services/dispatch';
import { createServices } from '../../src/main/services/services';
import { InProcessHost } from '../../src/main/services/host/supervisor';
import { createHostHandlers } from '../../src/main/services/host/handlers';
import { createFakePipeline } from '../../src/main/services/pipeline-fake';
import { computePeaks } from '../../src/main/services/peaks';
import { placePeaks } from '../../src/renderer/src/lib/peaks';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dub-media-'));
const cache = path.join(dir, 'cache');
const project = path.join(dir, 'project');
const outside = path.join(dir, 'outside');
for (const d of [cache, project, outside]) mkdirSync(d, { recursive: true });
const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
writeFileSync(path.join(project, 'clip.mp4'), bytes);
writeFileSync(path.join(outside, 'secret.wav'), 'secret');
writeFileSync(path.join(outside, 'granted.wav'), 'granted');
symlinkSync(path.join(outside, 'secret.wav'), path.join(project, 'link.wav'));

async function body(r: Awaited<ReturnType<typeof serveMedia>>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r.body ?? []) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('byte ranges', () => {
  it('parses single ranges, suffixes and open ends', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=500-5000', 1000)).toEqual({ start: 500, end: 999 });
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('items=0-1', 1000)).toBeNull();
    expect(parseRange(undefined, 1000)).toBeNull();
  });
});

describe('media access policy', () => {
  const policy = new MediaAccessPolicy(cache);
  policy.setProject(path.join(project, 'edit.dubproj'), [path.join(outside, 'granted.wav')]);

  it('serves the project folder with 200 and 206', async () => {
    const full = await serveMedia(policy, path.join(project, 'clip.mp4'), undefined);
    expect(full.status).toBe(200);
    expect(full.headers['Accept-Ranges']).toBe('bytes');
    expect((await body(full)).length).toBe(1000);
    const part = await serveMedia(policy, path.join(project, 'clip.mp4'), 'bytes=10-19');
    expect(part.status).toBe(206);
    expect(part.headers['Content-Range']).toBe('bytes 10-19/1000');
    expect([...(await body(part))]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect((await serveMedia(policy, path.join(project, 'clip.mp4'), 'bytes=2000-')).status).toBe(416);
  });

  it('serves granted media files but nothing else outside the project and cache', async () => {
    expect((await serveMedia(policy, path.join(outside, 'granted.wav'), undefined)).status).toBe(200);
    expect((await serveMedia(policy, path.join(outside, 'secret.wav'), undefined)).status).toBe(403);
    expect((await serveMedia(policy, path.join(project, 'link.wav'), undefined)).status).toBe(403);
    expect((await serveMedia(policy, path.join(project, '..', 'outside', 'secret.wav'), undefined)).status).toBe(403);
    expect((await serveMedia(policy, 'relative/clip.mp4', undefined)).status).toBe(403);
    expect((await serveMedia(policy, '/etc/passwd', undefined)).status).toBe(403);
  });

  it('the file browser stays inside its roots', async () => {
    const l = await listDirectory(project, [project], 'video');
    expect(l.entries.map((e) => e.name)).toEqual(['clip.mp4']);
    expect(l.parent).toBeNull();
    await expect(listDirectory(outside, [project], 'any')).rejects.toThrow(/outside the folders/);
  });
});

describe('peaks', () => {
  it('computes [max, min] per bucket and places a track at its offset', () => {
    const s = new Float32Array(16_000);
    for (let i = 0; i < s.length; i++) s[i] = i < 8000 ? 0.5 * Math.sin(i) : 0;
    const peaks = computePeaks(s, 16_000, 10);
    expect(peaks).toHaveLength(20);
    expect(peaks[0]).toBeCloseTo(0.5, 2);
    expect(peaks[1]).toBeCloseTo(-0.5, 2);
    expect(peaks[18]).toBe(0);
    const placed = placePeaks(peaks, 10, 0.5, 2);
    expect(placed).toHaveLength(40);
    expect(placed.slice(0, 10).every((v) => v === 0)).toBe(true);
    expect(placed[10]).toBeCloseTo(0.5, 2);
    expect(placePeaks(peaks, 10, -0.2, 1)[0]).toBeCloseTo(0.5, 2);
    expect(placePeaks(peaks, 10, -0.5, 1)[0]).toBe(0);
  });
});

describe('loopback bridge', () => {
  let bridge: BridgeServer;
  const token = 'test-token';
  beforeAll(async () => {
    const host = new InProcessHost(createHostHandlers(createFakePipeline(), cache));
    const services = createServices({
      mode: 'bridge',
      version: 't',
      cacheDir: cache,
      stateDir: path.join(dir, 'state'),
      browseRoots: [project],
      pipelineKind: 'fake',
      jobsHost: host,
      interactiveHost: host,
      dialogs: null,
      testHooks: false,
    });
    services.access.setProject(path.join(project, 'edit.dubproj'), []);
    bridge = await startBridge({ port: 0, token, webRoot: null, dispatch: createDispatcher(services.handlers), subscribe: services.subscribe, access: services.access });
  });
  afterAll(async () => bridge.close());

  const origin = () => `http://127.0.0.1:${bridge.port}`;

  it('serves media with ranges only with the token', async () => {
    const url = `${origin()}/media?p=${encodeURIComponent(path.join(project, 'clip.mp4'))}`;
    expect((await fetch(url)).status).toBe(403);
    const r = await fetch(`${url}&t=${token}`, { headers: { Range: 'bytes=0-3' } });
    expect(r.status).toBe(206);
    expect([...new Uint8Array(await r.arrayBuffer())]).toEqual([0, 1, 2, 3]);
    const denied = await fetch(`${origin()}/media?t=${token}&p=${encodeURIComponent(path.join(outside, 'secret.wav'))}`);
    expect(denied.status).toBe(403);
  });

  it('refuses foreign Host headers (DNS rebinding)', async () => {
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: bridge.port, path: '/healthz', headers: { Host: host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
    expect(await status('evil.example')).toBe(421);
    expect(await status(`127.0.0.1:${bridge.port}`)).toBe(200);
  });

  const connect = (t: string, originHeader: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/api?t=${t}`, { headers: { Origin: originHeader } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });

  it('answers API calls over the WebSocket and validates them', async () => {
    const ws = await connect(token, origin());
    const call = (id: number, channel: string, payload: unknown) =>
      new Promise<{ ok: boolean; result?: { mode?: string }; error?: { code: string } }>((resolve) => {
        const onMsg = (data: Buffer) => {
          const m = JSON.parse(String(data)) as { id?: number; reply?: { ok: boolean } };
          if (m.id === id) {
            ws.off('message', onMsg);
            resolve(m.reply as never);
          }
        };
        ws.on('message', onMsg);
        ws.send(JSON.stringify({ id, channel, payload }));
      });
    const info = await call(1, 'app.info', {});
    expect(info.ok).toBe(true);
    expect(info.result?.mode).toBe('bridge');
    const bad = await call(2, 'media.open', { path: 5 });
    expect(bad.error?.code).toBe('E_BAD_REQUEST');
    const outsideRoot = await call(3, 'media.open', { path: path.join(outside, 'secret.wav'), kind: 'audio' });
    expect(outsideRoot.error?.code).toBe('E_ACCESS');
    ws.close();
  });

  it('refuses WebSockets with a wrong token or a foreign Origin', async () => {
    await expect(connect('wrong', origin())).rejects.toThrow(/403/);
    await expect(connect(token, 'https://evil.example')).rejects.toThrow(/403/);
  });
});
