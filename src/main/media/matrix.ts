import type { VideoInfo } from './types';
import type { ColorMatrix } from './args';

/**
 * The Y'CbCr matrix ffmpeg uses for this clip's RGB conversions (its tag: bt709, else BT.601 for
 * untagged / SD tags), or null for other matrices and full-range input (those export via rgb24).
 */
export function yuvMatrixOf(info: VideoInfo): ColorMatrix | null {
  if (/^yuvj/.test(info.pixelFormat)) return null;
  const cs = info.colorSpace ?? '';
  if (cs === '' || cs === 'unknown' || cs === 'smpte170m' || cs === 'bt470bg') return 'bt601';
  if (cs === 'bt709') return 'bt709';
  return null;
}
