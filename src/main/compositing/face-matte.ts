/**
 * Face matte for engines that paste a synthesized crop (latent diffusion, Wav2Lip): pixels that
 * are not face (hair, earrings, glasses' arms, collar, jacket, background) are never
 * overwritten. The matte is the mesh's face oval (MediaPipe FACEMESH_FACE_OVAL) of the output
 * frame, grown slightly so the jaw line itself is covered, with a soft edge. (The reference
 * engine builds its own matte from the source and result geometry: `EngineDescription.faceMatte`.)
 */
import type { Patch } from '../engines/types';
import { FACE_OVAL } from '../masks/face-regions';
import { boundingRect, meshPolygon, scalePolygon } from '../masks/geometry';
import { softPolygonMask } from '../masks/raster';

/** Growth of the face oval about its centroid, and the soft edge as a fraction of its size. */
export const FACE_MATTE_GROW = 1.03;
export const FACE_MATTE_FEATHER = 0.02;

/**
 * Multiplies a patch's alpha (in place) by the soft face-oval matte of `mesh`.
 * @param patch patch in frame pixels; its `alpha` (HxW, [0, 1]) is modified.
 * @param mesh Float32Array(468 * 3), frame pixels, of the frame the patch is composited into.
 * @returns the patch.
 */
export function applyFaceMatte(patch: Patch, mesh: Float32Array): Patch {
  const oval = scalePolygon(meshPolygon(mesh, FACE_OVAL), FACE_MATTE_GROW);
  const box = boundingRect([oval]);
  if (!box) return patch;
  const feather = Math.max(2, Math.max(box.w, box.h) * FACE_MATTE_FEATHER);
  const m = softPolygonMask([oval], { x: patch.x, y: patch.y, w: patch.width, h: patch.height }, feather);
  for (let i = 0; i < patch.alpha.length; i++) patch.alpha[i] *= m[i];
  return patch;
}
