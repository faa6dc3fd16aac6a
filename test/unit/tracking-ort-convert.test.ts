import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Human } from '@vladmandic/human';
import { getHuman, humanTf, loadHumanModels, resolveHumanPaths } from '../../src/main/tracking/human-runtime';
import { convertTfjsGraphModel, readTfjsWeights, type TfjsGraphModelJson } from '../../src/main/tracking/ort/tfjs-graph-to-onnx';

const modelDir = resolveHumanPaths().modelDir;
const load = (name: string) => ({
  json: JSON.parse(readFileSync(join(modelDir, `${name}.json`), 'utf8')) as TfjsGraphModelJson,
  bin: new Uint8Array(readFileSync(join(modelDir, `${name}.bin`))),
});

/** Deterministic input in [-1, 1], NHWC and the same values in NCHW. */
function inputs(size: number, batch: number): { nhwc: Float32Array; nchw: Float32Array } {
  const nhwc = new Float32Array(batch * size * size * 3);
  for (let i = 0; i < nhwc.length; i++) nhwc[i] = Math.sin(i * 0.37 + Math.cos(i * 0.011));
  const nchw = new Float32Array(nhwc.length);
  for (let b = 0; b < batch; b++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) nchw[b * 3 * size * size + (c * size + y) * size + x] = nhwc[((b * size + y) * size + x) * 3 + c];
  return { nhwc, nchw };
}

describe('tfjs graph model -> ONNX conversion (the face models Human ships)', () => {
  let human: Human;
  beforeAll(async () => {
    human = await getHuman();
    await loadHumanModels(human, { face: { enabled: true, detector: {}, mesh: { enabled: true }, iris: { enabled: false }, emotion: { enabled: false }, description: { enabled: false }, antispoof: { enabled: false }, liveness: { enabled: false }, attention: { enabled: false } }, body: { enabled: false }, hand: { enabled: false }, object: { enabled: false }, gesture: { enabled: false }, segmentation: { enabled: false } }, [
      { name: 'blazeface', file: 'blazeface.json' },
      { name: 'facemesh', file: 'facemesh.json' },
    ]);
  });

  // Each case runs the original graph on tfjs-wasm and the converted one on ORT with the same input.
  for (const { name, size, batch, dynamicBatch, layout } of [
    { name: 'blazeface', size: 256, batch: 1, dynamicBatch: false, layout: 'NCHW' as const },
    { name: 'facemesh', size: 192, batch: 2, dynamicBatch: false, layout: 'NCHW' as const },
    { name: 'blazeface', size: 256, batch: 2, dynamicBatch: true, layout: 'NHWC' as const },
  ]) {
    it(`${name} (${layout} input, batch ${batch}) gives the outputs of the tfjs graph`, async () => {
      const { json, bin } = load(name);
      const converted = convertTfjsGraphModel(json, bin, { inputLayout: layout, dynamicBatch });
      expect(converted.input.shape).toEqual(layout === 'NCHW' ? [name === 'facemesh' || dynamicBatch ? -1 : 1, 3, size, size] : [-1, size, size, 3]);
      const session = await ort.InferenceSession.create(converted.bytes);
      const { nhwc, nchw } = inputs(size, batch);
      const feed = layout === 'NCHW' ? new ort.Tensor('float32', nchw, [batch, 3, size, size]) : new ort.Tensor('float32', nhwc, [batch, size, size, 3]);
      const got = await session.run({ [converted.input.name]: feed });
      const tf = humanTf(human);
      const model = human.models.models[name as 'blazeface'] as unknown as { execute(x: unknown): unknown };
      // The tfjs graph has batch 1 for blazeface: run it once per image.
      const perImage = size * size * 3;
      for (let b = 0; b < batch; b++) {
        const x = tf.tensor4d(nhwc.subarray(b * perImage, (b + 1) * perImage), [1, size, size, 3]);
        const raw = model.execute(x);
        const outs = (Array.isArray(raw) ? raw : [raw]) as Array<{ shape: number[]; dataSync(): Float32Array; dispose(): void }>;
        expect(converted.outputs).toHaveLength(outs.length);
        for (const t of outs) {
          // Outputs are matched by shape (the tfjs order differs), then compared element by element.
          const candidates = converted.outputs.filter((o) => JSON.stringify(got[o].dims.slice(1)) === JSON.stringify(t.shape.slice(1)));
          expect(candidates.length).toBeGreaterThan(0);
          const want = t.dataSync();
          const best = Math.min(
            ...candidates.map((o) => {
              const data = (got[o].data as Float32Array).subarray(b * want.length, (b + 1) * want.length);
              let worst = 0;
              for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(data[i] - want[i]) / (1 + Math.abs(want[i])));
              return worst;
            }),
          );
          expect(best).toBeLessThan(1e-4);
          t.dispose();
        }
        x.dispose();
      }
      await session.release();
    });
  }

  it('dequantizes float16 weights (facemesh ships them) to the values tfjs uses', () => {
    const { json, bin } = load('facemesh');
    const weights = readTfjsWeights(json, bin);
    const spec = json.weightsManifest[0].weights.find((w) => w.quantization?.dtype === 'float16')!;
    const w = weights.get(spec.name)!;
    expect(w.shape).toEqual(spec.shape);
    expect(w.data).toBeInstanceOf(Float32Array);
    expect(Array.from(w.data).every(Number.isFinite)).toBe(true);
    expect(() => readTfjsWeights(json, bin.subarray(0, 1000))).toThrow(/too short/);
  });

  it('names an unsupported op instead of producing a wrong graph', () => {
    const json: TfjsGraphModelJson = {
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '1' }, { size: '4' }, { size: '4' }, { size: '3' }] } } } },
          { name: 'y', op: 'Softplus', input: ['x'] },
        ],
      },
      weightsManifest: [{ paths: [], weights: [] }],
    };
    expect(() => convertTfjsGraphModel(json, new Uint8Array(0))).toThrow(/y: TF op Softplus is not supported/);
  });
});
