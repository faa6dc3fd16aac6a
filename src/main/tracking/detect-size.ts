/**
 * Size (pixels) at which frames of `width` x `height` are decoded for face detection with
 * `scale` (<= 1, see `detectScale`): each side scaled and rounded, at least 2; the full size when
 * `scale` >= 1. Landmarks found at this size are mapped back to the full frame.
 */
export function detectFrameSize(width: number, height: number, scale: number): { w: number; h: number } {
  return scale < 1 ? { w: Math.max(2, Math.round(width * scale)), h: Math.max(2, Math.round(height * scale)) } : { w: width, h: height };
}
