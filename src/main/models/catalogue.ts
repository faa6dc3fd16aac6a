/**
 * Catalogue of known model packs: where to download each and what it must hash to.
 *
 * An entry's `url` points either at a pack's `manifest.json` (its files are fetched relative to
 * that URL and each is checked against the SHA-256 and size the manifest lists: the catalogue pins
 * the manifest, the manifest pins every graph), or, for the Wav2Lip family, at a single `.onnx`.
 */
import { promises as fsp } from 'node:fs';
import { z } from 'zod';
import { Licence } from './manifest';
import { UserError } from '../util/errors';

export const CatalogueEntry = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  name: z.string().min(1),
  family: z.enum(['latent-diffusion', 'wav2lip']),
  licence: Licence,
  /** `manifest.json` URL, or an `.onnx` URL for a one-file Wav2Lip pack. */
  url: z.url(),
  /** SHA-256 and size of what `url` serves. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().positive(),
  /** Total download size of the pack in bytes, for the UI (optional). */
  totalSize: z.number().int().positive().optional(),
  description: z.string().optional(),
});
export type CatalogueEntry = z.infer<typeof CatalogueEntry>;

export const CatalogueFile = z.object({ formatVersion: z.literal(1), packs: z.array(CatalogueEntry) });

/**
 * Packs the app knows out of the box. Empty on purpose: no pack with redistributable weights and a
 * published SHA-256 has been vetted yet. Users and studios add entries in
 * `<models root>/catalogue.json` (same format as `CatalogueFile`).
 */
export const BUILTIN_CATALOGUE: readonly CatalogueEntry[] = [];

/** Whether an entry is a one-file ONNX download (vs a manifest URL). */
export function isOnnxEntry(e: CatalogueEntry): boolean {
  return /\.onnx(\?.*)?$/i.test(new URL(e.url).pathname);
}

/**
 * Reads a catalogue file; a missing file is an empty catalogue.
 * @throws UserError `E_CATALOGUE` when the file is not valid JSON or not a valid catalogue.
 */
export async function readCatalogueFile(file: string): Promise<CatalogueEntry[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError('E_CATALOGUE', `Catalogue ${file} is not valid JSON (${(err as Error).message}).`, 'Fix or delete the file.');
  }
  const res = CatalogueFile.safeParse(raw);
  if (!res.success) {
    throw new UserError(
      'E_CATALOGUE',
      `Catalogue ${file} is invalid:\n  ${res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`,
      'Fix or delete the file.',
    );
  }
  return res.data.packs;
}

/** Built-in entries overridden by user entries with the same id. */
export function mergeCatalogues(...lists: (readonly CatalogueEntry[])[]): CatalogueEntry[] {
  const byId = new Map<string, CatalogueEntry>();
  for (const list of lists) for (const e of list) byId.set(e.id, e);
  return [...byId.values()];
}
