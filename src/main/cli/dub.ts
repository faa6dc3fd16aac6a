import { runDub, checkOutputPath } from '../pipeline/dub';
import { planDub } from '../pipeline/plan';
import { loadOcclusionMask } from '../masks/occlusion';
import { builtinEngineDescriptions, resolveParams, ENGINE_IDS } from '../engines/registry';
import { UserError } from '../util/errors';
import { loadScript } from '../phonetics/script';
import { fmtDuration, parseNumberArg, parseParamArgs, parseRangeArg, runCli, parseCliArgs } from './common';
import type { DubProgress } from '../pipeline/api';
import { FARM_USAGE, farmForCli } from '../farm/cli-setup';
import { farmRenderMissing } from '../farm/dub-hook';

const USAGE = `Usage: npm run dub -- --video IN.mp4 --audio DUB.wav --out OUT.mp4 [options]

  --video FILE        the shot to dub (any video ffmpeg reads)
  --audio FILE        the dubbed dialogue track (any audio ffmpeg reads), starts at clip time 0
  --out FILE          output video (.mp4/.mov/.mkv), written atomically
  --from S --to S     dub only this range (seconds); default: where the dub lies, split by speech
  --reference S-E     lip-habit reference range of the original footage (seconds); default: automatic
  --face N            face track to dub in multi-face shots (default: the largest face)
  --occlusion FILE    occlusion mask JSON (polygons with keyframes; kept from the original)
  --engine ID         ${ENGINE_IDS.join(' | ')} (default reference)
  --pack DIR|ID       model pack for neural engines (folder, Wav2Lip .onnx, or installed pack id)
  --providers LIST    ONNX Runtime execution providers in order, e.g. cuda,cpu (default: best available)
  --param K=V         engine parameter (repeatable), e.g. --param lambdaA=1.5
  --audio-offset S    place the dub at this clip time (seconds, default 0)
  --whole-track       replace the whole audio track with the dub
  --lossless          lossless output (libx264rgb qp 0) for verification
  --crf N             H.264 quality (default 12, visually lossless; lower is better)
  --preset P          x264 preset (default veryfast; slower presets give smaller files)
  --cache DIR         cache folder (default ~/.cache/dubbing-editor or $DUBBING_CACHE_DIR)
  --script FILE       the dub's script: plain text (the whole dub) or .srt (cue times on the dub's
                      timeline); its phones are aligned to the dub (espeak-ng + DTW) so the lips
                      close on p/b/m and touch on f/v. Without it English dubs use phone recognition
  --language L        language of the dub as an espeak-ng voice: en-us (default), de, es, fr, ...
  --original-language L  language of the clip's own speech (default en-us; recognized only in English)
  --json              print a machine-readable result on stdout
${FARM_USAGE}`;


const json = process.argv.includes('--json');
void runCli(async (signal) => {
  const values = parseCliArgs(
    {
      video: { type: 'string' }, audio: { type: 'string' }, out: { type: 'string' },
      from: { type: 'string' }, to: { type: 'string' }, reference: { type: 'string' },
      face: { type: 'string' }, occlusion: { type: 'string' }, engine: { type: 'string', default: 'reference' },
      pack: { type: 'string' }, providers: { type: 'string' }, param: { type: 'string', multiple: true }, 'audio-offset': { type: 'string' },
      'whole-track': { type: 'boolean' }, lossless: { type: 'boolean' }, crf: { type: 'string' }, preset: { type: 'string' },
      cache: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      script: { type: 'string' }, language: { type: 'string' }, 'original-language': { type: 'string' },
      farm: { type: 'string' }, root: { type: 'string', multiple: true },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  for (const k of ['video', 'audio', 'out'] as const) {
    if (!values[k]) throw new UserError('E_ARGS', `Missing --${k}.`, USAGE);
  }
  await checkOutputPath(values.out!, [values.video!, values.audio!]);
  const engine = values.engine ?? 'reference';
  let params = parseParamArgs(values.param);
  const builtin = builtinEngineDescriptions().find((d) => d.id === engine);
  if (builtin) params = resolveParams(builtin.params, params, engine);
  const face = parseNumberArg('--face', values.face);
  if (face !== undefined && (!Number.isInteger(face) || face < 0)) throw new UserError('E_ARGS', `--face expects a track index 0, 1, ..., got ${values.face}.`, 'Omit --face to dub the largest face.');
  const occlusion = values.occlusion ? await loadOcclusionMask(values.occlusion) : undefined;
  const plan = await planDub({
    video: values.video!, audio: values.audio!, audioOffset: parseNumberArg('--audio-offset', values['audio-offset']),
    from: parseNumberArg('--from', values.from), to: parseNumberArg('--to', values.to),
    reference: values.reference ? parseRangeArg('--reference', values.reference) : undefined,
    engine, params, pack: values.pack, occlusion, signal,
  });
  const say = (s: string) => { if (!json) process.stderr.write(s + '\n'); };
  say(`dubbing ${plan.info.width}x${plan.info.height} @ ${plan.info.fps.toFixed(3)} fps, ${plan.info.frameCount} frames; ${plan.segments.length} segment(s) from ${plan.how}`);
  let lastLine = 0;
  const onProgress = (p: DubProgress) => {
    if (json || (values.farm && p.stage === 'render')) return; // the farm prints its own per-job lines
    const now = Date.now();
    if (p.done !== p.total && now - lastLine < 500) return;
    lastLine = now;
    const pct = p.total ? Math.round((100 * p.done) / p.total) : 0;
    process.stderr.write(`  ${p.stage.padEnd(7)} ${String(p.done).padStart(6)}/${p.total} frames  ${pct.toString().padStart(3)}%  ${p.fps.toFixed(1)} fps  ETA ${fmtDuration(p.etaSec)}\n`);
  };
  const farm = values.farm ? await farmForCli({ url: values.farm, rootArgs: values.root, cacheDir: values.cache, quiet: json, log: say }) : null;
  const result = await runDub({
    video: values.video!, audio: values.audio!, audioOffset: parseNumberArg('--audio-offset', values['audio-offset']),
    out: values.out!, face, segments: plan.segments, dubbedRange: plan.dubbedRange,
    lossless: values.lossless, crf: parseNumberArg('--crf', values.crf), preset: values.preset, wholeTrack: values['whole-track'],
    cacheDir: values.cache, providers: values.providers?.split(',').map((p) => p.trim()).filter(Boolean), signal, onProgress, log: say,
    script: values.script ? await loadScript(values.script) : undefined, language: values.language, originalLanguage: values['original-language'],
    ...(farm ? { cacheDir: farm.cacheDir, renderMissing: farmRenderMissing(farm) } : {}),
  }).finally(() => farm?.client.close());
  if (json) {
    process.stdout.write(JSON.stringify({ ok: true, ...result }, null, 2) + '\n');
    return;
  }
  for (const s of result.segments) {
    say(`  ${s.id}: frames ${s.startFrame}-${s.endFrame}, reference frames ${s.reference.startFrame}-${s.reference.endFrame} (${s.referenceReason})`);
  }
  for (const w of result.warnings) say(`  warning: ${w}`);
  process.stdout.write(`wrote ${result.out}: ${result.frames} frames ${result.width}x${result.height} @ ${result.fps.toFixed(3)} fps, face track ${result.faceTrack}, ${result.timings.total.toFixed(1)} s (${result.realTimeFactor.toFixed(2)}x real time)\n`);
}, json);
