import { promises as fsp } from 'node:fs';

/** Size in bytes of the header written by `wavHeaderFloat32`. */
export const WAV_FLOAT_HEADER_BYTES = 58;

/**
 * A WAV header for IEEE-float 32-bit PCM (format tag 3, with the `fact` chunk that format
 * requires) describing `frames` sample frames of `channels` interleaved channels at
 * `sampleRate` Hz. The sample data (little-endian float32) follows directly.
 */
export function wavHeaderFloat32(frames: number, sampleRate: number, channels: number): Buffer {
  const dataBytes = frames * channels * 4;
  const h = Buffer.alloc(WAV_FLOAT_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(WAV_FLOAT_HEADER_BYTES - 8 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(18, 16); // fmt chunk size (with cbSize)
  h.writeUInt16LE(3, 20); // WAVE_FORMAT_IEEE_FLOAT
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 4, 28); // bytes per second
  h.writeUInt16LE(channels * 4, 32); // block align
  h.writeUInt16LE(32, 34); // bits per sample
  h.writeUInt16LE(0, 36); // cbSize
  h.write('fact', 38, 'ascii');
  h.writeUInt32LE(4, 42);
  h.writeUInt32LE(frames, 46);
  h.write('data', 50, 'ascii');
  h.writeUInt32LE(dataBytes, 54);
  return h;
}

/**
 * Writes interleaved float32 samples (`samples.length` a multiple of `channels`) to `file` as a
 * 32-bit float WAV at `sampleRate` Hz, without copying the samples. Assumes a little-endian host.
 * @throws the `fs` error when the file cannot be written.
 */
export async function writeWavFloat32(file: string, samples: Float32Array, sampleRate: number, channels: number): Promise<void> {
  const frames = Math.floor(samples.length / channels);
  const fh = await fsp.open(file, 'w');
  try {
    // writeFile (unlike write) loops until every byte is written, continuing at the current position.
    await fh.writeFile(wavHeaderFloat32(frames, sampleRate, channels));
    await fh.writeFile(new Uint8Array(samples.buffer, samples.byteOffset, frames * channels * 4));
  } finally {
    await fh.close();
  }
}
