/**
 * Wav2Lip mel chunks for a range of clip frames without computing the mel of the whole clip.
 */
import { wav2lipMelSpectrogram, wav2lipMelStart, WAV2LIP_AUDIO } from '../../audio/mel';
import { UserError } from '../../util/errors';

/** Columns of margin before the first used column (STFT reflect padding touches 2). */
const MARGIN = 4;

/**
 * Wav2Lip mel chunks [end - start, 1, 80, 16] of clip frames [start, end): chunk i is columns
 * [s, s + 16) of the mel of the whole `audio` with s = int(80 i / fps), or the last 16 columns
 * when s + 16 passes the end (`wav2lipMelChunks` semantics). Only the audio from a little before
 * the first chunk to a little after the last is transformed; the result equals cutting the
 * whole-clip mel (STFT frames are local; the margin covers the reflect padding at the cut).
 * @param audio 16 kHz mono, sample 0 = clip time 0.
 * @throws UserError `E_AUDIO_TOO_SHORT` under 16 mel columns of audio.
 */
export function segmentMelChunks(audio: Float32Array, fps: number, start: number, end: number): Float32Array {
  const { hop, melStepSize: step, nMels } = WAV2LIP_AUDIO;
  const nFull = 1 + Math.floor(audio.length / hop);
  if (audio.length === 0 || nFull < step) {
    throw new UserError('E_AUDIO_TOO_SHORT', `Audio gives ${audio.length ? nFull : 0} mel columns; Wav2Lip needs at least ${step} (0.2 s).`, 'Use an audio range of at least 0.2 s.');
  }
  const starts: number[] = [];
  for (let i = start; i < end; i++) {
    const s = wav2lipMelStart(i, fps);
    starts.push(s + step > nFull ? nFull - step : s);
  }
  const c0 = Math.max(0, Math.min(...starts) - MARGIN);
  const c1 = Math.min(nFull, Math.max(...starts) + step + MARGIN);
  // Samples of columns [c0, c1): column c is centred on sample c * hop.
  const s0 = c0 * hop;
  const s1 = c1 >= nFull ? audio.length : Math.min(audio.length, (c1 - 1) * hop + 1);
  const mel = wav2lipMelSpectrogram(audio.subarray(s0, Math.max(s1, s0 + 1)));
  const out = new Float32Array(starts.length * nMels * step);
  starts.forEach((s, k) => {
    const local = s - c0;
    for (let m = 0; m < nMels; m++) out.set(mel.data.subarray(m * mel.nFrames + local, m * mel.nFrames + local + step), (k * nMels + m) * step);
  });
  return out;
}
