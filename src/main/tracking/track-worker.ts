/**
 * Worker-thread entry for parallel face detection: decodes frames [start, end) of a clip with
 * ffmpeg and runs the face mesh on each, posting progress and, at the end, the detections
 * (meshes transferred, not copied). Messages: in `DetectChunkRequest`; out `{ type: 'progress',
 * done }`, `{ type: 'result', faces }` or `{ type: 'error', message, code?, hint? }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeFrames } from '../media/decode';
import { FaceMeshDetector, type FaceMeshDetectorOptions } from './mesh-detector';
import type { VideoInfo } from '../media/types';
import type { FaceObservation } from './types';
import { UserError } from '../util/errors';

export interface DetectChunkRequest {
  info: VideoInfo;
  start: number;
  end: number;
  detector: FaceMeshDetectorOptions;
}

async function main(): Promise<void> {
  const req = workerData as DetectChunkRequest;
  const detector = await FaceMeshDetector.create(req.detector);
  detector.reset();
  const faces: FaceObservation[][] = [];
  let n = 0;
  for await (const frame of decodeFrames(req.info, { start: req.start, end: req.end })) {
    faces.push(await detector.detect(frame));
    if (++n % 4 === 0) parentPort!.postMessage({ type: 'progress', done: n });
  }
  const transfer = faces.flat().map((f) => f.mesh.buffer as ArrayBuffer);
  parentPort!.postMessage({ type: 'result', faces }, transfer);
}

main().catch((err: unknown) => {
  const e = err as Error;
  parentPort!.postMessage({ type: 'error', message: e?.message ?? String(err), code: err instanceof UserError ? err.code : undefined, hint: err instanceof UserError ? err.hint : undefined });
});
