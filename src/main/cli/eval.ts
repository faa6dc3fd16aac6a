import { evalCompare, evalSync } from '../eval/evaluate';
import { evalVisemes } from '../eval/visemes';
import { evalQuality, FIGURE_NAMES, type QualityFigures } from '../eval/quality';
import { probeMedia } from '../media/probe';
import { rangeToFrames } from '../pipeline/segments';
import { UserError } from '../util/errors';
import { parseNumberArg, runCli, parseCliArgs } from './common';

const USAGE = `Usage:
  npm run eval -- sync --video V --audio A [--from S --to S] [--face N] [--json]
      lip-sync proxy: Pearson r between mouth opening and the audio log-RMS, lags -2..+2 frames
  npm run eval -- compare --original V1 --dubbed V2 [--from S --to S] [--face N] [--json]
      PSNR outside the union mask, lip landmark distance (LMD), mouth jitter
  npm run eval -- quality --original V --dubbed D [--from S --to S] [--face N] [--sheet OUT.png] [--json]
      picture quality in the lower-face box (luma): sharpness ratio, change outside the face,
      seam score, SSIM, flicker; each also for a plain x264 re-encode of the original (the
      noise floor) and as dubbed/floor; the 5 worst frames per figure; --sheet writes a PNG of
      the worst frames (original crop above dubbed crop)
  npm run eval -- visemes --video V --audio A [--script T] [--language L] [--original V0] [--from S --to S] [--face N] [--json]
      viseme figures: bilabial (p b m) closure rate, vowel-onset closure rate, their difference
      (the lift), labiodental (f v) contact rate, lip leak (mouth open in silences >= 300 ms);
      phones from the script (.txt/.srt, espeak-ng + DTW) or pocketsphinx (English); the closed
      level is a low percentile of V0's mouth openings (default V itself)
`;

const json = process.argv.includes('--json');
void runCli(async (signal) => {
  const [cmd, ...rest] = process.argv.slice(2);
  const values = parseCliArgs(
    {
      video: { type: 'string' }, audio: { type: 'string' }, original: { type: 'string' }, dubbed: { type: 'string' },
      from: { type: 'string' }, to: { type: 'string' }, face: { type: 'string' }, cache: { type: 'string' }, sheet: { type: 'string' }, json: { type: 'boolean' },
      script: { type: 'string' }, language: { type: 'string' },
    },
    USAGE, rest,
  );
  const from = parseNumberArg('--from', values.from);
  const to = parseNumberArg('--to', values.to);
  const face = parseNumberArg('--face', values.face);
  const rangeOf = async (video: string) => {
    if (from === undefined && to === undefined) return undefined;
    const info = await probeMedia(video, { signal });
    return rangeToFrames({ start: from ?? 0, end: to ?? Infinity }, info.fpsNum, info.fpsDen, info.frameCount);
  };
  const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));
  if (cmd === 'sync') {
    if (!values.video || !values.audio) throw new UserError('E_ARGS', 'eval sync needs --video and --audio.', USAGE);
    const r = await evalSync({ video: values.video, audio: values.audio, face, cacheDir: values.cache, range: await rangeOf(values.video), signal });
    if (json) return void process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    process.stdout.write(`lip-sync proxy over ${r.frames} frames (mouth opening vs log-RMS of ${r.audio})\n`);
    for (const l of r.lags) process.stdout.write(`  lag ${l.lag >= 0 ? '+' : ''}${l.lag}: r = ${fmt(l.r)}\n`);
    process.stdout.write(`best: r = ${fmt(r.best.r)} at lag ${r.best.lag}\n`);
  } else if (cmd === 'compare') {
    if (!values.original || !values.dubbed) throw new UserError('E_ARGS', 'eval compare needs --original and --dubbed.', USAGE);
    const r = await evalCompare({ original: values.original, dubbed: values.dubbed, face, cacheDir: values.cache, range: await rangeOf(values.original), signal });
    if (json) return void process.stdout.write(JSON.stringify(r, (_k, v) => (v === Infinity ? 'Infinity' : v), 2) + '\n');
    process.stdout.write(`frames ${r.range.start}-${r.range.end}\n  PSNR outside union mask: ${fmt(r.psnrOutsideUnion)} dB\n  LMD (lips, / inter-ocular): ${fmt(r.lmd)}\n  jitter dubbed ${fmt(r.jitterDubbed)}, original ${fmt(r.jitterOriginal)}, ratio ${fmt(r.jitterRatio)}\n`);
  } else if (cmd === 'quality') {
    if (!values.original || !values.dubbed) throw new UserError('E_ARGS', 'eval quality needs --original and --dubbed.', USAGE);
    const r = await evalQuality({ original: values.original, dubbed: values.dubbed, face, cacheDir: values.cache, range: await rangeOf(values.original), sheet: values.sheet, signal });
    if (json) return void process.stdout.write(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    const label: Record<keyof QualityFigures, string> = {
      sharpness: 'sharpness (Laplacian var ratio)', outsideChange: 'change outside face (luma)', seam: 'seam score (|lap diff|)', ssim: 'lower-face SSIM', flicker: 'flicker (luma/frame)',
    };
    const col = (v: string | number, w: number) => (typeof v === 'number' ? fmt(v) : v).padStart(w);
    process.stdout.write(`lower-face quality, frames ${r.range.start}-${r.range.end} (${r.frames} with a face${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}), luma ${r.lumaMatrix.toUpperCase()}\n`);
    process.stdout.write(`floor: ${r.original} re-encoded with x264 preset ${r.floorEncoder.preset} crf ${r.floorEncoder.crf}\n`);
    process.stdout.write(`  ${'figure'.padEnd(32)}${col('dubbed', 10)}${col('floor', 10)}${col('dub/floor', 11)}\n`);
    for (const k of FIGURE_NAMES) process.stdout.write(`  ${label[k].padEnd(32)}${col(r.clip.dubbed[k], 10)}${col(r.clip.floor[k], 10)}${col(r.clip.ratio[k], 11)}\n`);
    process.stdout.write('worst frames (dubbed, worst first):\n');
    for (const k of FIGURE_NAMES) process.stdout.write(`  ${k.padEnd(14)} ${r.worst[k].join(' ')}\n`);
    if (r.sheet) process.stdout.write(`sheet: ${r.sheet.path}\n  tiles left to right (original above, dubbed below): frames ${r.sheet.frames.join(' ')}\n`);
  } else if (cmd === 'visemes') {
    if (!values.video || !values.audio) throw new UserError('E_ARGS', 'eval visemes needs --video and --audio.', USAGE);
    const r = await evalVisemes({ video: values.video, audio: values.audio, script: values.script, original: values.original, language: values.language, face, cacheDir: values.cache, range: await rangeOf(values.video), signal, log: json ? undefined : (m) => process.stderr.write(m + '\n') });
    if (json) return void process.stdout.write(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    const wr = (w: { hit: number; count: number; rate: number }) => `${fmt(w.rate)} (${w.hit}/${w.count})`;
    process.stdout.write(`visemes over ${r.frames} frames; phones: ${r.phones.note}\n`);
    process.stdout.write(`  closed level ${fmt(r.closedLevel)}, contact level ${fmt(r.contactLevel)} (mouth openings of ${r.levelsFrom})\n`);
    process.stdout.write(`  bilabial closure     ${wr(r.bilabialClosure)}\n  vowel-onset closure  ${wr(r.vowelOnsetClosure)}\n  lift                 ${fmt(r.lift)}\n`);
    process.stdout.write(`  labiodental contact  ${wr(r.labiodentalContact)}\n  lip leak             ${wr(r.lipLeak)} frames open in silences >= 300 ms\n`);
  } else {
    throw new UserError('E_ARGS', `Unknown eval command "${cmd ?? ''}".`, USAGE);
  }
}, json);
