/**
 * Face matte for engines that paste a synthesized crop (latent diffusion, Wav2Lip): their patches
 * are multiplied by the face matte of the output frame's own face oval (`masks/face-oval.ts`), so
 * hair, earrings, collars and background are never overwritten. (The reference engine builds its
 * matte from the source and result ovals itself: `EngineDescription.faceMatte`.)
 */
import type { Patch } from '../engines/types';
import { FACE_OVAL } from '../../shared/face-mesh';
import { meshPolygon } from '../masks/geometry';
import { faceOvalMatte } from '../masks/face-oval';

/**
 * Multiplies a patch's alpha (in place) by the face matte of `mesh`.
 * @param patch patch in frame pixels; its `alpha` (HxW, [0, 1]) is modified.
 * @param mesh Float32Array(468 * 3), frame pixels, of the frame the patch is composited into.
 * @returns the patch.
 */
export function applyFaceMatte(patch: Patch, mesh: Float32Array): Patch {
  const m = faceOvalMatte([meshPolygon(mesh, FACE_OVAL)], { x: patch.x, y: patch.y, w: patch.width, h: patch.height });
  for (let i = 0; i < patch.alpha.length; i++) patch.alpha[i] *= m[i];
  return patch;
}
