/**
 * How grainy a source is, for the review encoder (`x264ReviewArgs`'s tune): x264 with its
 * default psychovisual settings smooths film grain and sensor noise away (a grainy 720p clip at
 * CRF 12 keeps 0.78 of its lower-face detail; with `-tune grain`, 1.00), while on clean footage
 * `-tune grain` only spends bits (1.7x the size of a clean talking head for no visible gain).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { decodeFrames } from './decode';
import { writeFileAtomic } from '../util/atomic';
import type { VideoInfo } from './types';
import { GRAIN_SIGMA_MIN, splitGrain } from '../imaging/grain';

/** Sources with a median grain σ at or above this (8-bit levels) are encoded with `-tune grain`. */
export const GRAIN_TUNE_SIGMA = GRAIN_SIGMA_MIN;

/** Version of the measurement (cache keys of `sourceGrain` results). */
export const SOURCE_GRAIN_VERSION = 1;

/** Where the grain is sampled: these fractions of the clip's frames. */
const SAMPLE_AT = [0.25, 0.5, 0.75];

/**
 * Grain of a clip: the robust σ of the 3x3-median residual (`splitGrain`), averaged over R, G, B,
 * over the central half of the picture (width and height) of 3 frames at 25, 50 and 75 % of the
 * clip; the median of the 3, in 8-bit levels. Clean, compressed footage gives 0 (half its
 * residuals are exactly 0); film grain or sensor noise 1.5 and more.
 * @throws UserError from `decodeFrames` (unreadable clip), CancelledError on `signal`.
 */
export async function sourceGrain(info: VideoInfo, signal?: AbortSignal): Promise<number> {
  const sigmas: number[] = [];
  for (const at of SAMPLE_AT) {
    const index = Math.min(info.frameCount - 1, Math.max(0, Math.floor(info.frameCount * at)));
    for await (const f of decodeFrames(info, { start: index, end: index + 1, signal })) {
      const rect = { x: Math.floor(f.width / 4), y: Math.floor(f.height / 4), w: Math.max(1, Math.floor(f.width / 2)), h: Math.max(1, Math.floor(f.height / 2)) };
      const s = splitGrain(f, rect).sigma;
      sigmas.push((s[0] + s[1] + s[2]) / 3);
    }
  }
  if (!sigmas.length) return 0;
  sigmas.sort((a, b) => a - b);
  return sigmas[sigmas.length >> 1];
}

/**
 * `sourceGrain` of a clip, cached in `cacheDir/grain/v<version>-<contentHash>.json` (the dub job
 * and the quality evaluator measure a clip once).
 * @param contentHash the clip's content hash (`util/memo.ts` contentHash).
 * @throws as `sourceGrain`; a cache file that cannot be read is measured again.
 */
export async function cachedSourceGrain(info: VideoInfo, contentHash: string, cacheDir: string, signal?: AbortSignal): Promise<number> {
  const file = path.join(cacheDir, 'grain', `v${SOURCE_GRAIN_VERSION}-${contentHash}.json`);
  try {
    const v = (JSON.parse(await fsp.readFile(file, 'utf8')) as { sigma?: unknown }).sigma;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  } catch {
    // Not cached yet (or unreadable): measure.
  }
  const sigma = await sourceGrain(info, signal);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify({ sigma }));
  return sigma;
}

/** The x264 tune of a review encode of a source with grain `sigma` (`sourceGrain`). */
export function reviewTune(sigma: number): 'grain' | null {
  return sigma >= GRAIN_TUNE_SIGMA ? 'grain' : null;
}
