import { nleRoundTrip } from '../pipeline/nle-roundtrip';
import { rateFromFloat } from '../nle/rate';
import { UserError } from '../util/errors';
import { parseNumberArg, parseParamArgs, runCli, parseCliArgs } from './common';
import { FARM_USAGE, farmForCli } from '../farm/cli-setup';
import { farmPrerenderShots } from '../farm/dub-hook';

const USAGE = `Usage: npm run roundtrip -- --timeline CUT.(otio|xml|fcpxml|edl) --stem DUB.wav --out DIR [options]

  Dubs every shot of the cut that lies under the dubbed dialogue stem and writes the dubbed
  shots plus a timeline (OTIO, FCP7 XML, FCPXML 1.10, CMX3600 EDL) that puts them on a new video
  track above the originals at the same record frames. Import that timeline back into the NLE.

  --timeline FILE    the NLE timeline (Premiere/Resolve: FCP7 XML or OTIO or EDL; Final Cut: FCPXML)
  --stem FILE        the dubbed dialogue stem (WAV / Broadcast WAV)
  --stem-tc TC       timecode of the stem's first sample (default: its BWF time reference)
  --out DIR          output folder (media/ and the timelines)
  --codec C          prores (ProRes 422 HQ 10-bit, default) or h264
  --handles N        handle frames each side (default 0)
  --track N          video track holding the shots (default 1)
  --edl-rate FPS     frame rate of an EDL (23.976, 24, 25, 29.97, ...)
  --engine ID --pack DIR --param K=V   as in npm run dub
  --json             machine-readable result
  --cache DIR        cache folder (default ~/.cache/dubbing-editor or $DUBBING_CACHE_DIR)
${FARM_USAGE}`;

const json = process.argv.includes('--json');
void runCli(async (signal) => {
  const values = parseCliArgs(
    {
      timeline: { type: 'string' }, stem: { type: 'string' }, 'stem-tc': { type: 'string' }, out: { type: 'string' },
      codec: { type: 'string', default: 'prores' }, handles: { type: 'string' }, track: { type: 'string' }, 'edl-rate': { type: 'string' },
      engine: { type: 'string' }, pack: { type: 'string' }, param: { type: 'string', multiple: true }, cache: { type: 'string' }, json: { type: 'boolean' },
      farm: { type: 'string' }, root: { type: 'string', multiple: true },
    },
    USAGE,
  );
  for (const k of ['timeline', 'stem', 'out'] as const) if (!values[k]) throw new UserError('E_ARGS', `Missing --${k}.`, USAGE);
  if (values.codec !== 'prores' && values.codec !== 'h264') throw new UserError('E_ARGS', `--codec must be prores or h264 (got ${values.codec}).`, USAGE);
  const params = parseParamArgs(values.param);
  const edlRate = parseNumberArg('--edl-rate', values['edl-rate']);
  const say = (m: string) => { if (!json) process.stderr.write(m + '\n'); };
  const farm = values.farm ? await farmForCli({ url: values.farm, rootArgs: values.root, cacheDir: values.cache, quiet: json, log: say }) : null;
  const r = await nleRoundTrip({
    timeline: values.timeline!, stem: values.stem!, stemTimecode: values['stem-tc'], outDir: values.out!,
    codec: values.codec === 'h264' ? 'h264' : 'prores_hq', handles: parseNumberArg('--handles', values.handles),
    videoTrack: parseNumberArg('--track', values.track), import: edlRate ? { edlRate: rateFromFloat(edlRate) } : undefined,
    engine: values.engine, pack: values.pack, params, cacheDir: farm?.cacheDir ?? values.cache, signal, log: say,
    ...(farm ? { prerender: farmPrerenderShots({ ...farm, signal }) } : {}),
  }).finally(() => farm?.client.close());
  if (json) return void process.stdout.write(JSON.stringify({ ok: true, shots: r.shots, files: r.files, media: r.media, sendBack: r.sendBack, warnings: r.warnings }, null, 2) + '\n');
  for (const w of r.warnings) say(`warning: ${w}`);
  process.stdout.write(`dubbed ${r.shots.length} shot(s)\n`);
  for (const [f, p] of Object.entries(r.files)) process.stdout.write(`  ${f.padEnd(7)} ${p}\n`);
}, json);
