import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchClip, benchMemory, benchWorkDir, makeBenchClip, repoRoot, type BenchRow } from '../bench/pipeline-bench';
import { runEngineBench } from '../bench/engines';
import { runFarmBench } from '../bench/farm-bench';
import { UserError } from '../util/errors';
import { runCli } from './common';

const USAGE = `Usage: npm run bench [-- --json] [--long] [--skip-engines] | npm run bench -- --farm [--json]
  Generates 720p and 1080p talking clips from ../shared/media and measures every stage.
  --long          also export a 10-minute 1080p clip (memory flat in clip length)
  --skip-engines  skip the neural-engine (ONNX) bench
  --json          print only the JSON result
  --farm          only the render-farm bench: a private redis-server, 1 then 2 local worker
                  processes on a 16 s 720p clip in 4 s segments; throughput, per-job overhead,
                  and what it predicts for N GPU workers on a feature film
`;

function table(rows: BenchRow[]): string {
  if (!rows.length) return '';
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const fmt = (v: unknown) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v));
  const w = keys.map((k) => Math.max(k.length, ...rows.map((r) => fmt(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(w[i])).join('  ');
  return [line(keys), ...rows.map((r) => line(keys.map((k) => fmt(r[k] ?? ''))))].join('\n');
}

const args = process.argv.slice(2);
const json = args.includes('--json');
void runCli(async () => {
  if (args.includes('--help')) return void process.stdout.write(USAGE);
  const log = (m: string) => { if (!json) process.stderr.write(`  ${m}\n`); };
  const work = benchWorkDir();
  await fsp.mkdir(work, { recursive: true });
  if (args.includes('--farm')) {
    const farm = await runFarmBench({ work, log });
    if (!farm) throw new UserError('E_NO_MEDIA', `The bench builds its clips from ${path.resolve(repoRoot(), '../shared/media')} (talk-a.mp4, dub-a.wav), which is missing.`, 'Put the shared media folder beside the repository.');
    const outFile = path.join(work, 'farm-bench-results.json');
    await fsp.writeFile(outFile, JSON.stringify(farm, null, 2));
    if (json) return void process.stdout.write(JSON.stringify(farm, null, 2) + '\n');
    process.stdout.write(`\nRender farm: ${farm.clip}, ${farm.frames} frames in ${farm.segments} segment jobs, reference engine\n`);
    process.stdout.write(`local render (in process): ${farm.localRenderSec.toFixed(1)} s = ${(farm.frames / farm.localRenderSec).toFixed(1)} fps, ${(farm.secPerFrame * 1000).toFixed(0)} ms/frame\n`);
    process.stdout.write(`${table(farm.runs)}\n`);
    process.stdout.write(`farm overhead per job (1 warm worker): ${farm.overheadPerJobSec.toFixed(2)} s = ${(100 * farm.overheadShare).toFixed(1)} % of render time; fresh worker: ${farm.freshOverheadPerJobSec.toFixed(2)} s per job\n`);
    process.stdout.write(`\nPrediction, feature film (90 min dialogue at 24 fps, 1,500 shot jobs, one language)\n${table(farm.prediction)}\n\nJSON: ${outFile}\n`);
    return;
  }
  const c720 = await makeBenchClip(work, 1280, 720, 20);
  const c1080 = await makeBenchClip(work, 1920, 1080, 20);
  if (!c720 || !c1080) throw new UserError('E_NO_MEDIA', `The bench builds its clips from ${path.resolve(repoRoot(), '../shared/media')} (talk-a.mp4, dub-a.wav), which is missing.`, 'Put the shared media folder beside the repository.');
  const result: Record<string, unknown> = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, date: new Date().toISOString() } };
  const rows: BenchRow[] = [];
  for (const clip of [c720, c1080]) rows.push(await benchClip(clip, work, log));
  result.clips = rows;
  const memClips = [c1080, await makeBenchClip(work, 1920, 1080, 60)];
  if (args.includes('--long')) memClips.push(await makeBenchClip(work, 1920, 1080, 600));
  const mem = await benchMemory(memClips.filter((c): c is NonNullable<typeof c> => !!c), work, log);
  result.memory = mem;
  if (!args.includes('--skip-engines')) {
    log('neural engines (generated small-UNet pack)');
    result.engines = await runEngineBench();
  }
  const outFile = path.join(work, 'bench-results.json');
  await fsp.writeFile(outFile, JSON.stringify(result, null, 2));
  if (json) return void process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`\nPipeline (rates in frames per second; reference engine; x264 preset veryfast crf 18)\n${table(rows)}\n`);
  process.stdout.write(`\nPeak resident memory vs clip length (export in a child process)\n${table(mem)}\n`);
  if (result.engines) process.stdout.write(`\nNeural engines\n${table([result.engines as BenchRow])}\n`);
  process.stdout.write(`\nJSON: ${outFile}\n`);
}, json);
