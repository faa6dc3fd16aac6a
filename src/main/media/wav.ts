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

/** Appends sample data to a float32 WAV opened by `openWavFloat32Writer`. */
export interface WavFloat32Writer {
  /**
   * Appends interleaved samples (whole frames; `samples.length` a multiple of `channels`)
   * without copying them. Call one at a time (await each).
   * @throws the `fs` error when the write fails; Error when it would exceed the declared frames.
   */
  write(samples: Float32Array): Promise<void>;
  /**
   * Closes the file once exactly the declared number of frames has been written.
   * @throws Error when fewer frames were written (the header would lie); the `fs` error on close.
   */
  finish(): Promise<void>;
  /** Closes the file without checks (cleanup path; the caller removes it). Never throws. */
  abort(): Promise<void>;
}

/**
 * Creates (truncates) `file` and writes the header of a 32-bit float WAV of `frames` sample
 * frames of `channels` channels at `sampleRate` Hz, for the data to be appended block by block
 * (memory: nothing beyond the caller's blocks). Assumes a little-endian host.
 * @throws the `fs` error when the file cannot be created or written.
 */
export async function openWavFloat32Writer(file: string, frames: number, sampleRate: number, channels: number): Promise<WavFloat32Writer> {
  const fh = await fsp.open(file, 'w');
  let written = 0;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  try {
    await fh.writeFile(wavHeaderFloat32(frames, sampleRate, channels));
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  return {
    async write(samples) {
      const n = Math.floor(samples.length / channels);
      if (written + n > frames) throw new Error(`WAV writer: ${written + n} frames exceed the declared ${frames}.`);
      // writeFile (unlike write) loops until every byte is written, continuing at the current position.
      await fh.writeFile(new Uint8Array(samples.buffer, samples.byteOffset, n * channels * 4));
      written += n;
    },
    async finish() {
      if (written !== frames) {
        await close().catch(() => {});
        throw new Error(`WAV writer: ${written} frames written, ${frames} declared.`);
      }
      await close();
    },
    async abort() {
      await close().catch(() => {});
    },
  };
}
