/**
 * Worker-thread entry for parallel face detection: decodes frames [start, end) of a clip with
 * ffmpeg and runs the face mesh on each, posting progress and, at the end, the detections
 * (meshes transferred, not copied). Messages: in `DetectChunkRequest`; out `{ type: 'progress',
 * done }`, `{ type: 'result', faces }` or `{ type: 'error', message, code?, hint? }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeFrames } from '../media/decode';
import { displaySize } from '../media/probe';
import { FaceMeshDetector, type FaceDetector, type FaceMeshDetectorOptions } from './mesh-detector';
import { OrtFaceMeshDetector, type OrtFaceMeshOptions } from './ort/ort-face-mesh';
import type { VideoInfo } from '../media/types';
import type { ColorMatrix } from '../media/args';
import { detectFrameSize } from './detect-size';
import type { FaceObservation } from './types';
import { UserError } from '../util/errors';

export interface DetectChunkRequest {
  info: VideoInfo;
  start: number;
  end: number;
  /** Which detector runs: 'ort' (BlazeFace + FaceMesh on onnxruntime-node) or 'human' (tfjs-wasm). */
  engine: 'ort' | 'human';
  /** Options of the 'human' detector. */
  detector: FaceMeshDetectorOptions;
  /** Options of the 'ort' detector. */
  ortDetector: OrtFaceMeshOptions;
  /** Detect on frames scaled by this factor (<= 1); landmarks are mapped back to full size. */
  scale: number;
  /**
   * 'ort' only: decode yuv420p (half the pipe bytes, no RGB conversion in ffmpeg) and let the
   * detector sample RGB from it with this matrix. Absent: rgb24 frames.
   */
  yuvMatrix?: ColorMatrix;
}

async function main(): Promise<void> {
  const req = workerData as DetectChunkRequest;
  const detector: FaceDetector = req.engine === 'human' ? await FaceMeshDetector.create(req.detector) : await OrtFaceMeshDetector.create(req.ortDetector);
  detector.reset();
  const faces: FaceObservation[][] = [];
  let n = 0;
  const { width, height } = displaySize(req.info);
  const k = Math.min(1, req.scale);
  const scaleTo = k < 1 ? detectFrameSize(width, height, k) : undefined;
  const sx = scaleTo ? width / scaleTo.w : 1;
  const sy = scaleTo ? height / scaleTo.h : 1;
  const yuv = req.engine === 'ort' && req.yuvMatrix !== undefined;
  for await (const frame of decodeFrames(req.info, { start: req.start, end: req.end, scaleTo, recycle: true, ...(yuv ? { pixFmt: 'yuv420p' as const } : {}) })) {
    if (yuv) frame.yuvMatrix = req.yuvMatrix;
    const found = await detector.detect(frame);
    if (scaleTo) {
      for (const f of found) {
        for (let i = 0; i < f.mesh.length; i += 3) {
          f.mesh[i] = (f.mesh[i] + 0.5) * sx - 0.5;
          f.mesh[i + 1] = (f.mesh[i + 1] + 0.5) * sy - 0.5;
          f.mesh[i + 2] *= sx;
        }
        f.box = [f.box[0] * sx, f.box[1] * sy, f.box[2] * sx, f.box[3] * sy];
      }
    }
    faces.push(found);
    if (++n % 4 === 0) parentPort!.postMessage({ type: 'progress', done: n });
  }
  const transfer = faces.flat().map((f) => f.mesh.buffer as ArrayBuffer);
  parentPort!.postMessage({ type: 'result', faces }, transfer);
}

main().catch((err: unknown) => {
  const e = err as Error;
  parentPort!.postMessage({ type: 'error', message: e?.message ?? String(err), code: err instanceof UserError ? err.code : undefined, hint: err instanceof UserError ? err.hint : undefined });
});
