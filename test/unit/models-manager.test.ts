import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ModelManager, type InstallProgress } from '../../src/main/models/manager';
import { contentRangeStart, downloadVerified } from '../../src/main/models/download';
import type { CatalogueEntry } from '../../src/main/models/catalogue';
import { closeAllPacks } from '../../src/main/models/sessions';
import { UserError } from '../../src/main/util/errors';
import { writeTinyLdPack, writeTinyWav2LipPack } from '../helpers/tiny-packs';

/** A local HTTP server with Range support that can cut a response in the middle. */
class FileServer {
  files = new Map<string, Buffer>();
  /** Paths whose next full (non-range) response is cut after half the bytes. */
  cutOnce = new Set<string>();
  /** Paths whose Range requests are answered with 200 (a server without resume). */
  noRange = new Set<string>();
  log: { path: string; range?: string; status: number; bytes: number }[] = [];
  private server!: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const p = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      const body = this.files.get(p);
      const range = req.headers.range;
      if (!body) {
        res.statusCode = 404;
        res.end();
        this.log.push({ path: p, range, status: 404, bytes: 0 });
        return;
      }
      res.setHeader('ETag', `"${createHash('md5').update(body).digest('hex')}"`);
      res.setHeader('Accept-Ranges', 'bytes');
      const m = range && !this.noRange.has(p) ? /^bytes=(\d+)-$/.exec(range) : null;
      if (m) {
        const start = Number(m[1]);
        if (start >= body.length) {
          res.statusCode = 416;
          res.end();
          this.log.push({ path: p, range, status: 416, bytes: 0 });
          return;
        }
        res.statusCode = 206;
        res.setHeader('Content-Range', `bytes ${start}-${body.length - 1}/${body.length}`);
        res.setHeader('Content-Length', body.length - start);
        res.end(body.subarray(start));
        this.log.push({ path: p, range, status: 206, bytes: body.length - start });
        return;
      }
      res.statusCode = 200;
      res.setHeader('Content-Length', body.length);
      if (this.cutOnce.has(p)) {
        this.cutOnce.delete(p);
        const half = Math.floor(body.length / 2);
        res.write(body.subarray(0, half), () => setTimeout(() => res.destroy(), 20));
        this.log.push({ path: p, range, status: 200, bytes: half });
        return;
      }
      res.end(body);
      this.log.push({ path: p, range, status: 200, bytes: body.length });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let root: string;
let server: FileServer;
let packDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'models-manager-'));
  server = new FileServer();
  await server.start();
  packDir = path.join(root, 'src-pack');
  await writeTinyLdPack(packDir, { id: 'tiny-ld' });
  for (const f of await readdir(packDir)) server.files.set(`/packs/tiny-ld/${f}`, await readFile(path.join(packDir, f)));
  await writeTinyWav2LipPack(path.join(root, 'src-w2l'));
  server.files.set('/w2l/wav2lip_gan.onnx', await readFile(path.join(root, 'src-w2l', 'wav2lip.onnx')));
});
afterAll(async () => {
  await server.stop();
  await closeAllPacks(root);
  await rm(root, { recursive: true, force: true });
});

function ldEntry(over: Partial<CatalogueEntry> = {}): CatalogueEntry {
  const manifest = server.files.get('/packs/tiny-ld/manifest.json')!;
  return {
    id: 'tiny-ld',
    name: 'Tiny LD',
    family: 'latent-diffusion',
    licence: { name: 'MIT' },
    url: `${server.base}/packs/tiny-ld/manifest.json`,
    sha256: sha(manifest),
    size: manifest.length,
    ...over,
  };
}

async function expectUserError(p: Promise<unknown>, code: string): Promise<UserError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe(code);
    return err as UserError;
  }
  throw new Error(`expected ${code}`);
}

describe('model manager against a local HTTP server', () => {
  it('resumes an interrupted download and installs the verified pack', async () => {
    const mroot = path.join(root, 'm-resume');
    const mgr = new ModelManager({ root: mroot, catalogue: [ldEntry()] });
    server.log = [];
    server.cutOnce.add('/packs/tiny-ld/unet.onnx');
    await expectUserError(mgr.install('tiny-ld'), 'E_DOWNLOAD');
    expect(existsSync(path.join(mroot, 'tiny-ld'))).toBe(false);
    expect(await mgr.list()).toEqual([]);
    const unet = server.files.get('/packs/tiny-ld/unet.onnx')!;
    const part = path.join(mroot, '.downloads', `${sha(unet)}.part`);
    const partial = (await stat(part)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(unet.length);

    const progress: InstallProgress[] = [];
    const installed = await mgr.install('tiny-ld', { onProgress: (p) => progress.push(p) });
    expect(installed.dir).toBe(path.join(mroot, 'tiny-ld'));
    const resumed = server.log.filter((l) => l.path === '/packs/tiny-ld/unet.onnx');
    expect(resumed[resumed.length - 1]).toMatchObject({ range: `bytes=${partial}-`, status: 206, bytes: unet.length - partial });
    // Files already verified in the failed attempt were not downloaded again.
    expect(server.log.filter((l) => l.path === '/packs/tiny-ld/vae_encoder.onnx')).toHaveLength(1);
    const unetProgress = progress.filter((p) => p.file === 'unet.onnx');
    expect(unetProgress[0].resumedFrom).toBe(partial);
    expect(unetProgress[unetProgress.length - 1].received).toBe(unet.length);
    expect((await readFile(path.join(mroot, 'tiny-ld', 'unet.onnx'))).equals(unet)).toBe(true);
    expect((await mgr.list()).map((p) => p.id)).toEqual(['tiny-ld']);
    expect(existsSync(part)).toBe(false);
    expect(await readdir(path.join(mroot, '.staging'))).toEqual([]);
  });

  it('a server that ignores Range restarts the file from zero (and still verifies it)', async () => {
    const dest = path.join(root, 'norange', 'file.bin');
    const url = `${server.base}/w2l/wav2lip_gan.onnx`;
    const body = server.files.get('/w2l/wav2lip_gan.onnx')!;
    server.cutOnce.add('/w2l/wav2lip_gan.onnx');
    await expectUserError(downloadVerified(url, dest, { sha256: sha(body), size: body.length }), 'E_DOWNLOAD');
    server.noRange.add('/w2l/wav2lip_gan.onnx');
    await downloadVerified(url, dest, { sha256: sha(body), size: body.length });
    server.noRange.delete('/w2l/wav2lip_gan.onnx');
    expect((await readFile(dest)).equals(body)).toBe(true);
    expect(contentRangeStart('bytes 10-99/100')).toBe(10);
    expect(contentRangeStart(null)).toBeNaN();
  });

  it('rejects a wrong hash and installs nothing', async () => {
    const mroot = path.join(root, 'm-hash');
    const mgr = new ModelManager({ root: mroot, catalogue: [ldEntry({ sha256: 'a'.repeat(64) })] });
    const e = await expectUserError(mgr.install('tiny-ld'), 'E_DOWNLOAD_HASH');
    expect(e.message).toMatch(/expected a{64}/);
    expect(existsSync(path.join(mroot, 'tiny-ld'))).toBe(false);
    expect(await readdir(path.join(mroot, '.downloads'))).toEqual([]);
    // A graph served with different bytes than its manifest pins.
    const mroot2 = path.join(root, 'm-hash2');
    const good = server.files.get('/packs/tiny-ld/vae_decoder.onnx')!;
    server.files.set('/packs/tiny-ld/vae_decoder.onnx', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1] ^ 1])]));
    try {
      await expectUserError(new ModelManager({ root: mroot2, catalogue: [ldEntry()] }).install('tiny-ld'), 'E_DOWNLOAD_HASH');
    } finally {
      server.files.set('/packs/tiny-ld/vae_decoder.onnx', good);
    }
    expect(existsSync(path.join(mroot2, 'tiny-ld'))).toBe(false);
    expect(await new ModelManager({ root: mroot2 }).list()).toEqual([]);
  });

  it('installs atomically: the pack folder appears only complete, and a reinstall replaces it', async () => {
    const mroot = path.join(root, 'm-atomic');
    const mgr = new ModelManager({ root: mroot, catalogue: [ldEntry()] });
    const seen: boolean[] = [];
    await mgr.install('tiny-ld', { onProgress: () => seen.push(existsSync(path.join(mroot, 'tiny-ld'))) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((x) => x === false)).toBe(true);
    const files = (await readdir(path.join(mroot, 'tiny-ld'))).sort();
    expect(files).toEqual(['audio_encoder.onnx', 'habit_encoder.onnx', 'manifest.json', 'unet.onnx', 'vae_decoder.onnx', 'vae_encoder.onnx']);
    const seen2: boolean[] = [];
    await mgr.install('tiny-ld', { onProgress: () => seen2.push(existsSync(path.join(mroot, 'tiny-ld', 'manifest.json'))) });
    expect(seen2.every((x) => x === true)).toBe(true); // the old pack stays usable during the update
    expect(await readdir(path.join(mroot, '.trash'))).toEqual([]);
    expect(await mgr.resolve('tiny-ld')).toBe(path.join(mroot, 'tiny-ld'));
    await mgr.remove('tiny-ld');
    expect(await mgr.list()).toEqual([]);
    await expectUserError(mgr.resolve('tiny-ld'), 'E_PACK_NOT_FOUND');
  });

  it('installs a one-file Wav2Lip entry with a generated manifest and the entry licence', async () => {
    const mroot = path.join(root, 'm-w2l');
    const body = server.files.get('/w2l/wav2lip_gan.onnx')!;
    const entry: CatalogueEntry = {
      id: 'wav2lip-gan',
      name: 'Wav2Lip GAN',
      family: 'wav2lip',
      licence: { name: 'research-only', commercialUse: false },
      url: `${server.base}/w2l/wav2lip_gan.onnx`,
      sha256: sha(body),
      size: body.length,
    };
    const mgr = new ModelManager({ root: mroot, catalogue: [entry] });
    const p = await mgr.install('wav2lip-gan');
    expect(p.family).toBe('wav2lip');
    const m = JSON.parse(await readFile(path.join(p.dir, 'manifest.json'), 'utf8'));
    expect(m.licence).toEqual({ name: 'research-only', commercialUse: false });
    expect(m.files[0]).toMatchObject({ path: 'wav2lip_gan.onnx', sha256: sha(body) });
    await expectUserError(mgr.install('unknown'), 'E_CATALOGUE');
  });

  it('imports a local pack folder (verified) and a single .onnx; refuses duplicates', async () => {
    const mroot = path.join(root, 'm-import');
    const mgr = new ModelManager({ root: mroot });
    const a = await mgr.importFolder(packDir);
    expect(a.id).toBe('tiny-ld');
    await expectUserError(mgr.importFolder(packDir), 'E_PACK_EXISTS');
    await mgr.importFolder(packDir, { overwrite: true });
    const b = await mgr.importOnnx(path.join(root, 'src-w2l', 'wav2lip.onnx'), { id: 'my-w2l' });
    expect(b.family).toBe('wav2lip');
    expect((await mgr.list()).map((p) => p.id)).toEqual(['my-w2l', 'tiny-ld']);
    // A corrupt source folder is refused before anything is copied.
    const broken = path.join(root, 'broken-src');
    await writeTinyLdPack(broken, { id: 'broken' });
    await writeFile(path.join(broken, 'unet.onnx'), 'nope');
    await expectUserError(mgr.importFolder(broken), 'E_PACK_FILE');
    expect(existsSync(path.join(mroot, 'broken'))).toBe(false);
  });

  it('reads a user catalogue.json and validates it', async () => {
    const mroot = path.join(root, 'm-cat');
    const mgr = new ModelManager({ root: mroot });
    expect(await mgr.catalogue()).toEqual([]);
    await mkdir(mroot, { recursive: true });
    await writeFile(path.join(mroot, 'catalogue.json'), JSON.stringify({ formatVersion: 1, packs: [ldEntry()] }));
    expect((await mgr.catalogue()).map((e) => e.id)).toEqual(['tiny-ld']);
    await writeFile(path.join(mroot, 'catalogue.json'), JSON.stringify({ formatVersion: 1, packs: [{ id: 'x' }] }));
    await expectUserError(mgr.catalogue(), 'E_CATALOGUE');
  });
});
