import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../../src/main/media/locate';
import { probeMedia } from '../../src/main/media/probe';
import { GRAIN_TUNE_SIGMA, reviewTune, sourceGrain } from '../../src/main/media/source-grain';

const dir = mkdtempSync(path.join(os.tmpdir(), 'source-grain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 2 s 320x240 clip of a smooth test pattern, with temporal grain of `strength` (ffmpeg noise) or none. */
function clip(name: string, strength: number): string {
  const out = path.join(dir, name);
  const vf = ['gblur=sigma=3', ...(strength > 0 ? [`noise=alls=${strength}:allf=t`] : [])].join(',');
  execFileSync(locateFfmpeg().ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2', '-vf', vf, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '6', '-pix_fmt', 'yuv420p', '-y', out]);
  return out;
}

describe('source grain (the review encode tune)', () => {
  it('measures about 0 on a clean clip and more than the threshold on a grainy one', async () => {
    const clean = await sourceGrain(await probeMedia(clip('clean.mp4', 0)));
    const grainy = await sourceGrain(await probeMedia(clip('grainy.mp4', 16)));
    expect(clean).toBeLessThan(GRAIN_TUNE_SIGMA);
    expect(grainy).toBeGreaterThan(2 * GRAIN_TUNE_SIGMA);
    expect(reviewTune(clean)).toBeNull();
    expect(reviewTune(grainy)).toBe('grain');
  });
});
