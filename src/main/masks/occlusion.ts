import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from '../util/errors';
import type { OcclusionMask, Polygon, Rect } from './types';
import { rasterizePolygons } from './raster';
import { maskPolygonsAt } from '../../shared/masks/keyframes';

const point = z.tuple([z.number().finite(), z.number().finite()]);
const polygon = z.array(point).min(3, 'a polygon needs at least 3 points');

/** JSON schema of an occlusion-mask file (`--occlusion masks.json`). Frames are 0-based. */
export const occlusionMaskSchema = z.object({
  version: z.literal(1).default(1),
  shapes: z.array(
    z.object({
      id: z.string().min(1),
      keyframes: z
        .array(z.object({ frame: z.number().int().min(0), polygons: z.array(polygon) }))
        .min(1, 'a shape needs at least one keyframe'),
    }),
  ),
});

/**
 * Validates an occlusion mask document: keyframes sorted by frame, unique frames, and between
 * consecutive keyframes the same number of polygons with the same vertex counts (so they can be
 * interpolated point by point).
 * @throws UserError E_OCCLUSION_INVALID naming the shape and keyframe at fault.
 */
export function parseOcclusionMask(json: unknown, source = 'occlusion mask'): OcclusionMask {
  const parsed = occlusionMaskSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      'E_OCCLUSION_INVALID',
      `${source} is not a valid occlusion mask: ${issue.message} at ${issue.path.join('.') || '(root)'}.`,
      'Expected {"version":1,"shapes":[{"id":"hand","keyframes":[{"frame":0,"polygons":[[[x,y],...]]}]}]} with pixel coordinates.',
    );
  }
  const shapes = parsed.data.shapes.map((s) => ({
    id: s.id,
    keyframes: [...s.keyframes].sort((a, b) => a.frame - b.frame),
  }));
  for (const s of shapes) {
    for (let i = 1; i < s.keyframes.length; i++) {
      const a = s.keyframes[i - 1];
      const b = s.keyframes[i];
      if (a.frame === b.frame) {
        throw new UserError('E_OCCLUSION_INVALID', `${source}: shape "${s.id}" has two keyframes at frame ${a.frame}.`, 'Keep one keyframe per frame.');
      }
      const same = a.polygons.length === b.polygons.length && a.polygons.every((p, k) => p.length === b.polygons[k].length);
      if (!same) {
        throw new UserError(
          'E_OCCLUSION_INVALID',
          `${source}: shape "${s.id}" keyframes at frames ${a.frame} and ${b.frame} have different polygon or vertex counts, so they cannot be interpolated.`,
          'Give every keyframe of a shape the same polygons with the same number of points, or split it into two shapes.',
        );
      }
    }
  }
  return { shapes };
}

/** Reads and validates an occlusion-mask JSON file. @throws UserError E_NOT_FOUND / E_OCCLUSION_INVALID. */
export async function loadOcclusionMask(path: string): Promise<OcclusionMask> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError('E_NOT_FOUND', `Cannot read the occlusion mask file ${path}.`, 'Check the path given to --occlusion.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError('E_OCCLUSION_INVALID', `${path} is not valid JSON: ${(e as Error).message}.`, 'Fix the JSON syntax.');
  }
  return parseOcclusionMask(json, path);
}

/**
 * The occluder polygons at a frame: linear interpolation between the surrounding keyframes
 * (point by point); the nearest keyframe holds before the first and after the last. One
 * implementation shared with the editor (`src/shared/masks/keyframes.ts`).
 * @param frame 0-based frame index (may be fractional).
 */
export function occlusionPolygonsAt(mask: OcclusionMask, frame: number): Polygon[] {
  return maskPolygonsAt(mask, frame);
}

/**
 * Hard occlusion mask of a frame over `roi`: 1 where an occluder is (pixel kept from the
 * original), 0 elsewhere. Returns null when no occluder touches the frame.
 */
export function rasterizeOcclusion(mask: OcclusionMask | undefined, frame: number, roi: Rect): Uint8Array | null {
  if (!mask || mask.shapes.length === 0) return null;
  const polys = occlusionPolygonsAt(mask, frame);
  if (polys.length === 0) return null;
  return rasterizePolygons(polys, roi);
}
