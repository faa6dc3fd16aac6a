import { evalCompare, evalSync } from '../eval/evaluate';
import { probeMedia } from '../media/probe';
import { rangeToFrames } from '../pipeline/segments';
import { UserError } from '../util/errors';
import { parseNumberArg, runCli, parseCliArgs } from './common';

const USAGE = `Usage:
  npm run eval -- sync --video V --audio A [--from S --to S] [--face N] [--json]
      lip-sync proxy: Pearson r between mouth opening and the audio log-RMS, lags -2..+2 frames
  npm run eval -- compare --original V1 --dubbed V2 [--from S --to S] [--face N] [--json]
      PSNR outside the union mask, lip landmark distance (LMD), mouth jitter
`;

const json = process.argv.includes('--json');
void runCli(async (signal) => {
  const [cmd, ...rest] = process.argv.slice(2);
  const values = parseCliArgs(
    {
      video: { type: 'string' }, audio: { type: 'string' }, original: { type: 'string' }, dubbed: { type: 'string' },
      from: { type: 'string' }, to: { type: 'string' }, face: { type: 'string' }, cache: { type: 'string' }, json: { type: 'boolean' },
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
  } else {
    throw new UserError('E_ARGS', `Unknown eval command "${cmd ?? ''}".`, USAGE);
  }
}, json);
