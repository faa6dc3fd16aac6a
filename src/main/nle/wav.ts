import { promises as fsp } from 'node:fs';
import { UserError } from '../util/errors';

/**
 * WAV / Broadcast WAV header reading (RIFF and RF64, EBU Tech 3285 `bext`, EBU Tech 3306
 * `ds64`). Only the headers are read, never the audio, so multi-gigabyte stems are cheap.
 */

export interface WavInfo {
  /** Samples per second per channel. */
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** WAVE format tag (1 PCM, 3 float, 0xFFFE extensible). */
  formatTag: number;
  /** Length in sample frames (one sample per channel), from the data chunk size. */
  durationSamples: number;
  /** BWF `bext` TimeReference: sample frames since midnight of the first sample; null without `bext`. */
  timeReferenceSamples: number | null;
  /** BWF description / originator, when present (for display). */
  description?: string;
  originator?: string;
}

function bad(what: string, msg: string): UserError {
  return new UserError('E_NLE_WAV', `${what} is not a usable WAV file: ${msg}.`, 'Export the dialogue stem as a WAV or Broadcast WAV (BWF) file.');
}

function cstr(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder('latin1').decode(end < 0 ? b : b.subarray(0, end)).trim();
}

/** A random-access byte source: `read(offset, length)` returns up to `length` bytes. */
export type ByteReader = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * Walks the RIFF/RF64 chunks of a WAV file and decodes `fmt `, `bext` and the data size.
 * @param size total file size in bytes.
 * @param what file name for error messages.
 * @throws UserError `E_NLE_WAV` for a file that is not RIFF/RF64 WAVE, lacks `fmt ` or `data`,
 *   or has an unusable format (zero rate/channels).
 */
export async function parseWav(read: ByteReader, size: number, what = 'The file'): Promise<WavInfo> {
  const head = await read(0, 12);
  if (head.length < 12) throw bad(what, 'it is too short');
  const id = new TextDecoder('latin1').decode(head.subarray(0, 4));
  const wave = new TextDecoder('latin1').decode(head.subarray(8, 12));
  if ((id !== 'RIFF' && id !== 'RF64' && id !== 'BW64') || wave !== 'WAVE') throw bad(what, 'no RIFF/RF64 WAVE header');
  let fmt: { tag: number; channels: number; rate: number; bits: number; blockAlign: number } | null = null;
  let dataSize: number | null = null;
  let ds64DataSize: number | null = null;
  let timeRef: number | null = null;
  let description: string | undefined;
  let originator: string | undefined;
  let off = 12;
  while (off + 8 <= size) {
    const h = await read(off, 8);
    if (h.length < 8) break;
    const dv = new DataView(h.buffer, h.byteOffset, 8);
    const ckId = new TextDecoder('latin1').decode(h.subarray(0, 4));
    let ckSize = dv.getUint32(4, true);
    const body = off + 8;
    if (ckId === 'ds64') {
      const b = await read(body, Math.min(ckSize, 28));
      const d = new DataView(b.buffer, b.byteOffset, b.length);
      if (b.length >= 16) ds64DataSize = Number(d.getBigUint64(8, true));
    } else if (ckId === 'fmt ') {
      const b = await read(body, Math.min(ckSize, 40));
      if (b.length < 16) throw bad(what, 'the fmt chunk is truncated');
      const d = new DataView(b.buffer, b.byteOffset, b.length);
      fmt = { tag: d.getUint16(0, true), channels: d.getUint16(2, true), rate: d.getUint32(4, true), blockAlign: d.getUint16(12, true), bits: d.getUint16(14, true) };
    } else if (ckId === 'bext') {
      const b = await read(body, Math.min(ckSize, 602));
      if (b.length >= 346) {
        const d = new DataView(b.buffer, b.byteOffset, b.length);
        // Description[256] Originator[32] OriginatorReference[32] OriginationDate[10]
        // OriginationTime[8] TimeReferenceLow (uint32 @338) TimeReferenceHigh (uint32 @342).
        timeRef = d.getUint32(338, true) + d.getUint32(342, true) * 2 ** 32;
        description = cstr(b.subarray(0, 256)) || undefined;
        originator = cstr(b.subarray(256, 288)) || undefined;
      }
    } else if (ckId === 'data') {
      if (ckSize === 0xffffffff && ds64DataSize !== null) ckSize = ds64DataSize;
      dataSize = Math.min(ckSize, size - body);
    }
    if (ckId === 'data' && ckSize === 0xffffffff) break;
    off = body + ckSize + (ckSize % 2);
  }
  if (!fmt) throw bad(what, 'no fmt chunk');
  if (dataSize === null) throw bad(what, 'no data chunk');
  if (fmt.rate <= 0 || fmt.channels <= 0 || fmt.blockAlign <= 0) throw bad(what, 'zero sample rate, channels or block size');
  return {
    sampleRate: fmt.rate,
    channels: fmt.channels,
    bitsPerSample: fmt.bits,
    formatTag: fmt.tag,
    durationSamples: Math.floor(dataSize / fmt.blockAlign),
    timeReferenceSamples: timeRef,
    ...(description ? { description } : {}),
    ...(originator ? { originator } : {}),
  };
}

/**
 * Reads the header of a WAV / BWF file on disk (see `parseWav`).
 * @throws UserError `E_NLE_WAV` for unreadable or invalid files (`E_NLE_WAV` also for ENOENT,
 *   naming the path).
 */
export async function readWavInfo(file: string): Promise<WavInfo> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (e) {
    throw new UserError('E_NLE_WAV', `Cannot open the dialogue stem "${file}": ${(e as Error).message}.`, 'Check the path or relink the stem.');
  }
  try {
    const { size } = await fh.stat();
    const read: ByteReader = async (offset, length) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      if (buf.length === 0) return new Uint8Array(0);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
    };
    return await parseWav(read, size, `"${file}"`);
  } finally {
    await fh.close();
  }
}

/** Reader over an in-memory buffer (tests, small files). */
export function bufferReader(buf: Uint8Array): ByteReader {
  return async (offset, length) => buf.subarray(offset, Math.min(buf.length, offset + length));
}
