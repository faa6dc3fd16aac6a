/** The dub job's stage clock: progress lines with fps and ETA per stage (`runDub`, the Node export pass). */
import type { DubJobOptions, DubProgress } from './api';

/** Simple stage clock with fps / ETA for progress lines. */
export function progressReporter(onProgress: DubJobOptions['onProgress']) {
  let stage: DubProgress['stage'] = 'probe';
  let t0 = performance.now();
  return {
    start(s: DubProgress['stage'], total: number) {
      stage = s;
      t0 = performance.now();
      onProgress?.({ stage, done: 0, total, fps: 0, etaSec: Number.NaN });
    },
    tick(done: number, total: number) {
      const el = (performance.now() - t0) / 1000;
      const fps = el > 0 ? done / el : 0;
      onProgress?.({ stage, done, total, fps, etaSec: fps > 0 ? (total - done) / fps : Number.NaN });
    },
  };
}
