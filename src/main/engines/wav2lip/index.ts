/**
 * Wav2Lip-compatible engine factory: a pack folder (manifest.json) or a bare Wav2Lip `.onnx`.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../types';
import { openLoadedPack, openPack, type OpenPack } from '../../models/sessions';
import { resolveProviderOrder } from '../../models/providers';
import { wav2lipManifestForOnnx } from '../../models/wav2lip-onnx';
import type { VerifyMode } from '../../models/pack';
import type { Wav2LipManifest } from '../../models/manifest';
import { UserError } from '../../util/errors';
import { wav2lipDescription } from './describe';
import { Wav2LipSegment, type Wav2LipOptions } from './prepared';

export interface Wav2LipEngineOptions extends Wav2LipOptions {
  /** Pack folder, or a Wav2Lip-compatible `.onnx` file. */
  pack: string;
  providers?: string[];
  verify?: VerifyMode;
  log?: (message: string) => void;
}

/**
 * Opens a Wav2Lip pack or `.onnx` (sessions cached per file + providers) and returns the engine.
 * @throws UserError `E_PACK_*` (missing / invalid / corrupt, not the Wav2Lip contract),
 *   `E_PACK_FAMILY`, `E_PROVIDER`.
 */
export async function createWav2LipEngine(opts: Wav2LipEngineOptions): Promise<Engine> {
  const providers = resolveProviderOrder(opts.providers);
  let open: OpenPack;
  const st = await fsp.stat(opts.pack).catch(() => null);
  if (st?.isFile()) {
    const file = path.resolve(opts.pack);
    const manifest = await wav2lipManifestForOnnx(file);
    open = await openLoadedPack({ dir: path.dirname(file), manifest }, `${file}|${st.mtimeMs}|${st.size}`, providers, { verify: 'size', log: opts.log });
  } else {
    open = await openPack(opts.pack, providers, { verify: opts.verify, log: opts.log });
  }
  if (open.manifest.family !== 'wav2lip') {
    throw new UserError('E_PACK_FAMILY', `Model pack ${open.manifest.id} is a ${open.manifest.family} pack, not wav2lip.`, `Use --engine ${open.manifest.family} with this pack.`);
  }
  const manifest = open.manifest as Wav2LipManifest;
  opts.log?.(`wav2lip: ${open.providerNotes.join('; ')}`);
  return {
    describe: () => wav2lipDescription(manifest, open.providerNotes),
    prepare: (ctx) => Wav2LipSegment.create(open, ctx, opts),
  };
}

export { W2L_PARAMS } from './describe';
