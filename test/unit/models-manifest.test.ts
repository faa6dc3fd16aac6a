import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseManifest } from '../../src/main/models/manifest';
import { checkGraphIo, dimCompatible } from '../../src/main/models/io-check';
import { readPackManifest, verifyPackFiles } from '../../src/main/models/pack';
import { closeAllPacks, openPack } from '../../src/main/models/sessions';
import { wav2lipManifestForOnnx } from '../../src/main/models/wav2lip-onnx';
import { createLatentDiffusionEngine } from '../../src/main/engines/latent-diffusion';
import { UserError } from '../../src/main/util/errors';
import { writeTinyLdPack, writeTinyWav2LipPack } from '../helpers/tiny-packs';
import { GraphBuilder } from '../helpers/onnx-builder';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'models-manifest-'));
});
afterAll(async () => {
  await closeAllPacks(root);
  await rm(root, { recursive: true, force: true });
});

async function userError(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

describe('manifest schema', () => {
  it('accepts the tiny packs and fills defaults', async () => {
    const m = parseManifest(await writeTinyLdPack(path.join(root, 'ok')), 'ok');
    expect(m.family).toBe('latent-diffusion');
    if (m.family !== 'latent-diffusion') throw new Error();
    expect(m.sampler.betaSchedule).toBe('scaled_linear');
    expect(m.sampler.eta).toBe(0);
    expect(m.latent.scale).toBe(0.5);
    const w = parseManifest(await writeTinyWav2LipPack(path.join(root, 'w2l')), 'w2l');
    expect(w.family === 'wav2lip' && w.pads).toEqual([0, 10, 0, 0]);
  });

  it('lists every problem with its JSON path', async () => {
    const raw = await writeTinyLdPack(path.join(root, 'bad'));
    const bad = JSON.parse(JSON.stringify(raw));
    bad.files[0].sha256 = 'xyz';
    bad.files[1].path = '../escape.onnx';
    bad.sampler.timestepSpacing = 'weird';
    const e = await userError(Promise.resolve().then(() => parseManifest(bad, 'bad')));
    expect(e.code).toBe('E_PACK_MANIFEST');
    expect(e.message).toMatch(/files\.0\.sha256/);
    expect(e.message).toMatch(/files\.1\.path: must be a relative path/);
    expect(e.message).toMatch(/sampler\.timestepSpacing/);
  });

  it('checks cross-field rules (graph files listed, canonical tensors, habit section)', async () => {
    const raw = JSON.parse(JSON.stringify(await writeTinyLdPack(path.join(root, 'sem'))));
    delete raw.habit;
    raw.graphs.denoiser.inputs.bogus = raw.graphs.denoiser.inputs.audio;
    delete raw.graphs.denoiser.inputs.timestep;
    raw.files = raw.files.filter((f: { path: string }) => f.path !== 'unet.onnx');
    const e = await userError(Promise.resolve().then(() => parseManifest(raw, 'sem')));
    expect(e.message).toMatch(/graphs\.denoiser\.file: "unet\.onnx" is not listed in files/);
    expect(e.message).toMatch(/missing canonical tensor "timestep"/);
    expect(e.message).toMatch(/unknown canonical tensor "bogus"/);
    expect(e.message).toMatch(/needs a "habit" section/);
  });

  it('refuses a newer format version with its own code', async () => {
    const e = await userError(Promise.resolve().then(() => parseManifest({ formatVersion: 9 }, 'p')));
    expect(e.code).toBe('E_PACK_VERSION');
  });
});

describe('graph I/O check', () => {
  it('dim compatibility: fixed accepts fixed-equal or symbolic; symbolic needs symbolic', () => {
    expect(dimCompatible(4, 4)).toBe(true);
    expect(dimCompatible(4, 'N')).toBe(true);
    expect(dimCompatible(4, 5)).toBe(false);
    expect(dimCompatible('B', 'batch')).toBe(true);
    expect(dimCompatible('B', 1)).toBe(false);
  });

  it('names graph, tensor, expected and actual shape on a mismatch', async () => {
    const dir = path.join(root, 'mismatch');
    await writeTinyLdPack(dir, {
      patchManifest: (m) => {
        const g = (m.graphs as Record<string, { inputs: Record<string, { shape: unknown[]; dtype: string; name: string }> }>).denoiser;
        g.inputs.audio.shape = ['batch', 10, 7];
        g.inputs.timestep.dtype = 'fp32';
      },
    });
    const e = await userError(openPack(dir, ['cpu']));
    expect(e.code).toBe('E_PACK_IO');
    expect(e.message).toContain('graph "denoiser"');
    expect(e.message).toContain('input "audio_embeds" (audio): expected shape [batch, 10, 7], actual [batch, 10, 6]');
    expect(e.message).toContain('input "t" (timestep): expected dtype float32, actual int64');
  });

  it('reports unmapped graph inputs and wrong tensor names', () => {
    const spec = { file: 'g.onnx', inputs: { image: { name: 'img', shape: ['N', 3, 8, 8], dtype: 'fp32' as const } }, outputs: { latent: { name: 'z', shape: ['N', 4, 1, 1], dtype: 'fp32' as const } } };
    expect(() =>
      checkGraphIo('vaeEncoder', spec, [{ name: 'pixels', type: 'float32', shape: ['N', 3, 8, 8] }], [{ name: 'z', type: 'float32', shape: ['N', 4, 1, 1] }], 'pack'),
    ).toThrow(/input "img" \(image\): not found in the graph; its inputs are "pixels"[\s\S]*input "pixels" \[N, 3, 8, 8\] is not mapped/);
  });
});

describe('pack files', () => {
  it('a corrupt file is a clear error (hash), a truncated one (size), a missing one', async () => {
    const dir = path.join(root, 'corrupt');
    await writeTinyLdPack(dir);
    const unet = path.join(dir, 'unet.onnx');
    const bytes = await readFile(unet);
    bytes[bytes.length - 20] ^= 0xff;
    await writeFile(unet, bytes);
    let e = await userError(createLatentDiffusionEngine({ pack: dir, providers: ['cpu'] }));
    expect(e.code).toBe('E_PACK_FILE');
    expect(e.message).toMatch(/unet\.onnx is corrupt \(SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}\)/);
    await writeFile(unet, bytes.subarray(0, 100));
    e = await userError(verifyPackFiles(await readPackManifest(dir)));
    expect(e.message).toMatch(/unet\.onnx has 100 bytes, the manifest says \d+/);
    await rm(unet);
    e = await userError(verifyPackFiles(await readPackManifest(dir)));
    expect(e.message).toMatch(/unet\.onnx is missing/);
  });

  it('a file that is not ONNX but matches its manifest hash fails at load with E_PACK_GRAPH', async () => {
    const dir = path.join(root, 'garbage');
    await writeTinyLdPack(dir);
    const garbage = Buffer.from('this is not an onnx model at all');
    await writeFile(path.join(dir, 'unet.onnx'), garbage);
    const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    const { createHash } = await import('node:crypto');
    const f = m.files.find((x: { path: string }) => x.path === 'unet.onnx');
    f.sha256 = createHash('sha256').update(garbage).digest('hex');
    f.size = garbage.length;
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
    const e = await userError(openPack(dir, ['cpu']));
    expect(e.code).toBe('E_PACK_GRAPH');
    expect(e.message).toMatch(/graph "denoiser" \(unet\.onnx\): ONNX Runtime cannot load it/);
  });

  it('a missing pack folder says where it looked', async () => {
    const e = await userError(readPackManifest(path.join(root, 'nope')));
    expect(e.code).toBe('E_PACK_NOT_FOUND');
    expect(e.message).toContain('manifest.json not found');
  });

  it('a bare Wav2Lip .onnx is recognized by shape; anything else is refused with what was found', async () => {
    const dir = path.join(root, 'w2l-onnx');
    await writeTinyWav2LipPack(dir);
    const m = await wav2lipManifestForOnnx(path.join(dir, 'wav2lip.onnx'));
    expect(m.graphs.generator.inputs.mel.name).toBe('mel_spectrogram');
    expect(m.graphs.generator.inputs.face.shape).toEqual(['B', 6, 96, 96]);
    expect(m.faceSize).toBe(96);
    const g = new GraphBuilder();
    g.input('x', 'float32', ['B', 3, 8, 8]);
    g.op('Relu', ['x'], {}, 'y');
    g.output('y', 'float32', ['B', 3, 8, 8]);
    await writeFile(path.join(root, 'other.onnx'), g.toBytes());
    const e = await userError(wav2lipManifestForOnnx(path.join(root, 'other.onnx')));
    expect(e.code).toBe('E_PACK_IO');
    expect(e.message).toContain('found inputs "x" [B, 3, 8, 8]');
  });
});
