/**
 * Latent-diffusion engine factory (StableDub / LatentSync-style model packs).
 */
import type { Engine } from '../types';
import { openPack } from '../../models/sessions';
import { resolveProviderOrder } from '../../models/providers';
import type { VerifyMode } from '../../models/pack';
import { UserError } from '../../util/errors';
import type { LatentDiffusionManifest } from '../../models/manifest';
import { latentDiffusionDescription } from './describe';
import { LatentDiffusionSegment, type LatentDiffusionOptions } from './prepared';
import { ArrayPool } from '../common/array-pool';

export interface LatentDiffusionEngineOptions extends LatentDiffusionOptions {
  /** Pack folder. */
  pack: string;
  /** Execution providers in order of preference (default per platform, or $DUB_EXECUTION_PROVIDERS). */
  providers?: string[];
  /** File verification on load (default `cached`: rehash only changed files). */
  verify?: VerifyMode;
  /** Provider fallbacks and other load-time messages. */
  log?: (message: string) => void;
}

/**
 * Opens a latent-diffusion pack (sessions cached per pack + providers) and returns the engine.
 * @throws UserError `E_PACK_*` (missing / invalid / corrupt pack, I/O mismatch), `E_PACK_FAMILY`
 *   (not a latent-diffusion pack), `E_PROVIDER`.
 */
export async function createLatentDiffusionEngine(opts: LatentDiffusionEngineOptions): Promise<Engine> {
  const providers = resolveProviderOrder(opts.providers);
  const open = await openPack(opts.pack, providers, { verify: opts.verify, log: opts.log });
  if (open.manifest.family !== 'latent-diffusion') {
    throw new UserError('E_PACK_FAMILY', `Model pack ${open.manifest.id} is a ${open.manifest.family} pack, not latent-diffusion.`, `Use --engine ${open.manifest.family} with this pack.`);
  }
  const manifest = open.manifest as LatentDiffusionManifest;
  opts.log?.(`latent-diffusion: ${open.providerNotes.join('; ')}`);
  // Crops and batch buffers are reused from segment to segment of this engine.
  const pool = new ArrayPool();
  return {
    describe: () => latentDiffusionDescription(manifest, open.providerNotes),
    prepare: (ctx) => LatentDiffusionSegment.create(open, ctx, opts, pool),
  };
}

export { LD_PARAMS } from './describe';
