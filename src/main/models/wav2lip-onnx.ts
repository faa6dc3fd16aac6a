/**
 * A bare Wav2Lip `.onnx` as a pack: recognizes the widely distributed contract (mel
 * [B, 1, 80, 16], face [B, 6, S, S], output [B, 3, S, S]) by shape and writes its manifest.
 */
import * as ort from 'onnxruntime-node';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../util/file-hash';
import { ModelLoadError } from './providers';
import type { TensorDtype, Wav2LipManifest } from './manifest';
import { parseManifest } from './manifest';
import { formatShape } from './io-check';
import { UserError } from '../util/errors';

const DTYPE: Record<string, TensorDtype | undefined> = { float32: 'fp32', float16: 'fp16' };

type Meta = { name: string; type?: string; shape: ReadonlyArray<number | string> };

function describe(list: readonly Meta[]): string {
  return list.map((m) => `"${m.name}" ${formatShape(m.shape)}`).join(', ');
}

/**
 * Inspects a Wav2Lip-compatible ONNX file and returns a valid manifest for a one-file pack.
 * @param id Pack id (default: derived from the file name).
 * @throws UserError `E_PACK_GRAPH` when the file is not a loadable ONNX model, `E_PACK_IO` when
 *   its inputs/outputs are not the Wav2Lip contract (naming what it found).
 */
export async function wav2lipManifestForOnnx(file: string, id?: string): Promise<Wav2LipManifest> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], logSeverityLevel: 3 });
  } catch (err) {
    throw new ModelLoadError(`Wav2Lip model ${file}`, (err as Error).message);
  }
  const ins = session.inputMetadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, shape: [] as number[] }));
  const outs = session.outputMetadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, shape: [] as number[] }));
  await session.release();
  const mel = ins.find((m) => m.shape.length === 4 && m.shape[1] === 1 && m.shape[2] === 80 && m.shape[3] === 16);
  const face = ins.find((m) => m.shape.length === 4 && m.shape[1] === 6 && typeof m.shape[2] === 'number' && m.shape[2] === m.shape[3]);
  const out = outs.find((m) => m.shape.length === 4 && m.shape[1] === 3);
  if (!mel || !face || !out || ins.length !== 2 || !DTYPE[mel.type ?? ''] || !DTYPE[face.type ?? ''] || !DTYPE[out.type ?? '']) {
    throw new UserError(
      'E_PACK_IO',
      `${file} is not a Wav2Lip-compatible model: expected inputs mel [B, 1, 80, 16] and face [B, 6, S, S] (float), output [B, 3, S, S]; found inputs ${describe(ins)} and outputs ${describe(outs)}.`,
      'Use a Wav2Lip / Wav2Lip-GAN ONNX export, or write a manifest.json for this model.',
    );
  }
  const base = path.basename(file);
  const st = await fsp.stat(file);
  const packId = id ?? (base.replace(/\.onnx$/i, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'wav2lip');
  const raw = {
    formatVersion: 1,
    id: packId.slice(0, 64),
    name: `Wav2Lip (${base})`,
    family: 'wav2lip',
    licence: { name: 'unknown', notes: 'Imported from a single ONNX file; check the licence of its source (the original Wav2Lip weights are for non-commercial research use).', commercialUse: false },
    files: [{ path: base, sha256: await sha256File(file), size: st.size }],
    graphs: {
      generator: {
        file: base,
        inputs: {
          mel: { name: mel.name, shape: [...mel.shape], dtype: DTYPE[mel.type!] },
          face: { name: face.name, shape: [...face.shape], dtype: DTYPE[face.type!] },
        },
        outputs: { image: { name: out.name, shape: [...out.shape], dtype: DTYPE[out.type!] } },
      },
    },
    faceSize: face.shape[2],
  };
  return parseManifest(raw, file) as Wav2LipManifest;
}
