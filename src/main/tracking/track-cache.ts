import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MESH_POINTS, type FaceTrack, type TrackSample, type TrackingResult } from './types';

/*
 * Binary tracking file, little-endian:
 *   'DTRK' | u32 format version | u32 header length H | header JSON (UTF-8, space-padded to a
 *   multiple of 4 bytes) | per track: u8 status per frame (0 absent, 1 observed, 2 interpolated),
 *   zero-padded to a multiple of 4 | f32 record per present sample: box x, y, w, h (pixels),
 *   score, mesh (468 * 3).
 * Header: { key, width, height, frameCount, warnings, tracks: [{ id }] }.
 */

const MAGIC = 'DTRK';
const FORMAT_VERSION = 1;
const RECORD = 5 + MESH_POINTS * 3;

interface Header {
  key: string;
  width: number;
  height: number;
  frameCount: number;
  warnings: string[];
  tracks: { id: number }[];
}

const pad4 = (n: number) => (n + 3) & ~3;

/** Serialises `result` with its cache `key` (see the format above). */
export function encodeTracking(result: TrackingResult, key: string): Buffer {
  const header: Header = {
    key,
    width: result.width,
    height: result.height,
    frameCount: result.frameCount,
    warnings: result.warnings,
    tracks: result.tracks.map((t) => ({ id: t.id })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerLen = pad4(json.length);
  const n = result.frameCount;
  let size = 12 + headerLen;
  for (const t of result.tracks) size += pad4(n) + t.frames.filter(Boolean).length * RECORD * 4;
  const out = Buffer.from(new ArrayBuffer(size)); // offset 0: Float32Array views stay aligned
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(FORMAT_VERSION, 4);
  out.writeUInt32LE(headerLen, 8);
  json.copy(out, 12);
  out.fill(0x20, 12 + json.length, 12 + headerLen);
  let off = 12 + headerLen;
  for (const t of result.tracks) {
    if (t.frames.length !== n) throw new Error(`track ${t.id} has ${t.frames.length} frames, expected ${n}`);
    t.frames.forEach((s, i) => (out[off + i] = s ? (s.interpolated ? 2 : 1) : 0));
    off += pad4(n);
    for (const s of t.frames) {
      if (!s) continue;
      const rec = new Float32Array(out.buffer, out.byteOffset + off, RECORD);
      rec.set(s.box, 0);
      rec[4] = s.score;
      rec.set(s.mesh, 5);
      off += RECORD * 4;
    }
  }
  return out;
}

/**
 * Parses a file written by {@link encodeTracking}. Returns null when the data is not a tracking
 * file of this format version, is truncated, or was stored under another key.
 */
export function decodeTracking(data: Buffer, expectedKey: string): TrackingResult | null {
  try {
    if (data.length < 12 || data.toString('latin1', 0, 4) !== MAGIC) return null;
    if (data.readUInt32LE(4) !== FORMAT_VERSION) return null;
    const headerLen = data.readUInt32LE(8);
    if (12 + headerLen > data.length) return null;
    const header = JSON.parse(data.toString('utf8', 12, 12 + headerLen)) as Header;
    if (header.key !== expectedKey) return null;
    const n = header.frameCount;
    // Copy the body into an aligned buffer so Float32Array views are legal.
    const body = new Uint8Array(data.length - 12 - headerLen);
    body.set(data.subarray(12 + headerLen));
    let off = 0;
    const tracks: FaceTrack[] = [];
    for (const { id } of header.tracks) {
      if (off + pad4(n) > body.length) return null;
      const status = body.subarray(off, off + n);
      off += pad4(n);
      const frames: (TrackSample | null)[] = new Array(n).fill(null);
      for (let i = 0; i < n; i++) {
        if (status[i] === 0) continue;
        if (off + RECORD * 4 > body.length) return null;
        const rec = new Float32Array(body.buffer, off, RECORD);
        frames[i] = {
          box: [rec[0], rec[1], rec[2], rec[3]],
          score: rec[4],
          mesh: rec.slice(5),
          interpolated: status[i] === 2,
        };
        off += RECORD * 4;
      }
      tracks.push({ id, frames });
    }
    if (off !== body.length) return null;
    return { width: header.width, height: header.height, frameCount: n, tracks, warnings: header.warnings };
  } catch {
    return null;
  }
}

/** Reads a cached result; null when the file is missing, unreadable, corrupt or for another key. */
export async function readTrackingCache(path: string, key: string): Promise<TrackingResult | null> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch {
    return null;
  }
  return decodeTracking(data, key);
}

/**
 * Writes `result` to `path` atomically: a temporary file in the same folder, then rename, so a
 * reader never sees a partial file. Creates the folder. Throws the fs error on failure (the
 * temporary file is removed).
 */
export async function writeTrackingCache(path: string, result: TrackingResult, key: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, encodeTracking(result, key));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
