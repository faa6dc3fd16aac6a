import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { io } from '@tensorflow/tfjs-core';

/** The subset of the tfjs `io` namespace this module needs (pass the instance the models load with). */
export type TfIo = Pick<
  typeof io,
  'registerLoadRouter' | 'getLoadHandlers' | 'getModelArtifactsForJSON' | 'concatenateArrayBuffers'
>;

/**
 * A tfjs load handler that reads a graph model from disk: `modelJsonPath` is the model's JSON
 * (topology + `weightsManifest`), the weight shards are the manifest's `paths`, relative to the
 * JSON's folder. Nothing is fetched. Errors: the promise rejects with the fs error (ENOENT, ...)
 * or a `SyntaxError` for a malformed JSON.
 */
export function diskModelHandler(tfIo: TfIo, modelJsonPath: string): io.IOHandler {
  return {
    load: async () => {
      const modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8')) as io.ModelJSON;
      const folder = dirname(modelJsonPath);
      return tfIo.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: io.WeightsManifestEntry[] = [];
        const shards: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const shardPath of group.paths) {
            const bytes = await readFile(join(folder, shardPath));
            shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tfIo.concatenateArrayBuffers(shards)];
      });
    },
  };
}

const registered = new WeakSet<object>();

/**
 * Makes `tf.loadGraphModel('file:///abs/model.json')` (and anything built on it, like Human's
 * model loader) read from disk through {@link diskModelHandler}. Node's `fetch` cannot read
 * `file://` URLs, and tfjs-core alone has no file system handler. Idempotent per `tfIo`; if some
 * other `file://` router is already registered (e.g. tfjs-node's), it is left alone and used.
 */
export function registerDiskModelLoader(tfIo: TfIo): void {
  if (registered.has(tfIo)) return;
  registered.add(tfIo);
  if (tfIo.getLoadHandlers('file:///probe/model.json').length > 0) return;
  // tfjs types a router as always returning a handler, but the registry skips routers that
  // return null ("not my URL"), which is how every built-in router declines.
  const router = (url: string | string[]): io.IOHandler | null =>
    typeof url === 'string' && url.startsWith('file://') ? diskModelHandler(tfIo, fileURLToPath(url)) : null;
  tfIo.registerLoadRouter(router as (url: string | string[]) => io.IOHandler);
}
