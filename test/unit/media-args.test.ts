import { describe, expect, it } from 'vitest';
import {
  buildAudioDecodeArgs,
  buildDecodeArgs,
  buildEncodeArgs,
  buildMuxArgs,
  buildProbeArgs,
  formatSeconds,
  h264ExportArgs,
  H264_PROXY_ARGS,
  h264ShotArgs,
  hevcExportArgs,
  proresHqArgs,
  x264Args,
  X264_LOSSLESS_RGB_ARGS,
  x264ReviewArgs,
} from '../../src/main/media/args';
import { framesToSeconds } from '../../src/shared/time';

const Q = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];

describe('framesToSeconds / formatSeconds', () => {
  it('uses the exact rational rate', () => {
    expect(framesToSeconds(30, 30000, 1001)).toBeCloseTo(1.001, 12);
    expect(framesToSeconds(125, 25, 1)).toBe(5);
  });
  it('prints microseconds, never an exponent or a negative', () => {
    expect(formatSeconds(1e-7)).toBe('0.000000');
    expect(formatSeconds(-0.2)).toBe('0.000000');
    expect(formatSeconds(1234.5)).toBe('1234.500000');
  });
});

describe('buildDecodeArgs', () => {
  it('decodes the whole stream frame by frame without a seek', () => {
    expect(buildDecodeArgs({ input: '/v/a.mp4', fpsNum: 25, fpsDen: 1 })).toEqual([
      ...Q, '-i', '/v/a.mp4', '-map', '0:v:0', '-an', '-sn', '-dn',
      '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ]);
  });
  it('seeks a quarter frame before the start frame and limits the frame count', () => {
    // frame 30 at 30000/1001 = 1.001 s; minus 0.25 frame (0.00834166 s) = 0.99265833 s
    expect(buildDecodeArgs({ input: 'x.mkv', fpsNum: 30000, fpsDen: 1001, start: 30, end: 40 })).toEqual([
      ...Q, '-ss', '0.992658', '-i', 'x.mkv', '-map', '0:v:0', '-an', '-sn', '-dn',
      '-fps_mode', 'passthrough', '-frames:v', '10', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ]);
  });
  it('adds the stream start offset to the seek', () => {
    const args = buildDecodeArgs({ input: 'v.mp4', fpsNum: 25, fpsDen: 1, start: 10, streamStart: 0.5 });
    expect(args.slice(Q.length, Q.length + 2)).toEqual(['-ss', '0.890000']);
    expect(args).not.toContain('-frames:v');
  });
  it('resamples VFR input to constant rate with the fps filter and cuts ranges after it, without seeking', () => {
    expect(buildDecodeArgs({ input: 'v.mp4', fpsNum: 30, fpsDen: 1, start: 10, end: 15, streamStart: 0.5, forceCfr: true })).toEqual([
      ...Q, '-i', 'v.mp4', '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', 'fps=30/1,trim=start_frame=10',
      '-fps_mode', 'passthrough', '-frames:v', '5', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ]);
    const whole = buildDecodeArgs({ input: 'v.mp4', fpsNum: 30, fpsDen: 1, forceCfr: true });
    expect(whole.slice(whole.indexOf('-vf'), whole.indexOf('-vf') + 2)).toEqual(['-vf', 'fps=30/1']);
  });
  it('limits frames from 0 without seeking', () => {
    const args = buildDecodeArgs({ input: 'v.mp4', fpsNum: 25, fpsDen: 1, start: 0, end: 3 });
    expect(args).not.toContain('-ss');
    expect(args.slice(args.indexOf('-frames:v'), args.indexOf('-frames:v') + 2)).toEqual(['-frames:v', '3']);
  });
});

describe('buildEncodeArgs', () => {
  it('builds H.264 yuv420p CRF 12 (REVIEW_CRF) with faststart by default', () => {
    expect(buildEncodeArgs({ width: 64, height: 48, fpsNum: 30000, fpsDen: 1001, output: '/o/.x.mp4.tmp-1-ab.mp4' })).toEqual([
      ...Q, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '64x48', '-framerate', '30000/1001', '-i', 'pipe:0', '-an',
      '-vf', 'scale=out_color_matrix=bt601:out_range=tv',
      '-c:v', 'libx264', '-preset', 'medium', '-crf', '12', '-pix_fmt', 'yuv420p', '-colorspace', 'smpte170m', '-color_range', 'tv',
      '-movflags', '+faststart', '-y', '/o/.x.mp4.tmp-1-ab.mp4',
    ]);
  });
  it('honours crf, preset and bt709, pads odd sizes, and skips faststart for mkv', () => {
    const args = buildEncodeArgs({ width: 63, height: 48, fpsNum: 25, fpsDen: 1, output: 'o.mkv', crf: 23, preset: 'fast', colorMatrix: 'bt709' });
    expect(args.slice(args.indexOf('-vf'))).toEqual([
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2,scale=out_color_matrix=bt709:out_range=tv',
      '-c:v', 'libx264', '-preset', 'fast', '-crf', '23', '-pix_fmt', 'yuv420p', '-colorspace', 'bt709', '-color_range', 'tv',
      '-y', 'o.mkv',
    ]);
  });
  it('builds lossless libx264rgb qp 0 ultrafast', () => {
    const args = buildEncodeArgs({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, output: 'o.mov', lossless: true, crf: 30 });
    expect(args.slice(args.indexOf('-an') + 1)).toEqual([
      '-c:v', 'libx264rgb', '-qp', '0', '-preset', 'ultrafast', '-pix_fmt', 'rgb24', '-movflags', '+faststart', '-y', 'o.mov',
    ]);
    const ut = buildEncodeArgs({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, output: 'r.mkv', lossless: true, losslessCodec: 'utvideo' });
    expect(ut.slice(ut.indexOf('-an') + 1)).toEqual(['-c:v', 'utvideo', '-pix_fmt', 'gbrp', '-fflags', '+bitexact', '-flags:v', '+bitexact', '-y', 'r.mkv']);
  });
});

describe('buildMuxArgs / buildAudioDecodeArgs / buildProbeArgs', () => {
  it('copies the video and encodes the WAV to AAC', () => {
    expect(buildMuxArgs({ video: 'v.mp4', audio: 'a.wav', output: 'o.mp4' })).toEqual([
      ...Q, '-i', 'v.mp4', '-i', 'a.wav', '-map', '0:v:0', '-map', '1:a:0', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '192k',
      '-movflags', '+faststart', '-y', 'o.mp4',
    ]);
  });
  it('decodes audio to f32le at the asked rate and channels, with optional window', () => {
    expect(buildAudioDecodeArgs({ input: 'a.m4a', sampleRate: 16000, channels: 1 })).toEqual([
      ...Q, '-i', 'a.m4a', '-map', '0:a:0', '-vn', '-sn', '-dn', '-ac', '1', '-ar', '16000', '-f', 'f32le', 'pipe:1',
    ]);
    expect(buildAudioDecodeArgs({ input: 'a.wav', sampleRate: 48000, channels: 2, start: 1.5, duration: 2 })).toEqual([
      ...Q, '-ss', '1.500000', '-i', 'a.wav', '-t', '2.000000', '-map', '0:a:0', '-vn', '-sn', '-dn', '-ac', '2', '-ar', '48000',
      '-f', 'f32le', 'pipe:1',
    ]);
  });
  it('probes as JSON with streams and format', () => {
    expect(buildProbeArgs('f.mp4')).toEqual(['-hide_banner', '-loglevel', 'error', '-print_format', 'json', '-show_streams', '-show_format', 'f.mp4']);
  });
});

describe('encoder presets', () => {
  it('keeps each preset\'s exact argv', () => {
    expect(x264ReviewArgs('veryfast', 12, 'bt709')).toEqual([
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '12', '-pix_fmt', 'yuv420p', '-colorspace', 'bt709', '-color_range', 'tv',
    ]);
    expect(x264ReviewArgs('veryfast', 12, 'bt601', 'grain')).toEqual([
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'grain', '-crf', '12', '-pix_fmt', 'yuv420p', '-colorspace', 'smpte170m', '-color_range', 'tv',
    ]);
    expect(h264ExportArgs('bt601')).toEqual([
      '-c:v', 'libx264', '-preset', 'fast', '-crf', '12', '-pix_fmt', 'yuv420p', '-colorspace', 'smpte170m', '-color_range', 'tv',
    ]);
    expect(hevcExportArgs('bt709')).toEqual([
      '-c:v', 'libx265', '-preset', 'fast', '-crf', '20', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', '-x265-params', 'log-level=error',
      '-colorspace', 'bt709', '-color_range', 'tv',
    ]);
    expect(proresHqArgs('bt709')).toEqual([
      '-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le', '-vendor', 'apl0', '-colorspace', 'bt709', '-color_range', 'tv',
    ]);
    expect(proresHqArgs(null)).toEqual(['-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le', '-vendor', 'apl0']);
    expect(h264ShotArgs(17)).toEqual(['-c:v', 'libx264', '-preset', 'medium', '-crf', '17', '-pix_fmt', 'yuv420p']);
    expect(H264_PROXY_ARGS).toEqual(['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-g', '12', '-pix_fmt', 'yuv420p']);
    expect(x264Args({ preset: 'veryfast', crf: 18 })).toEqual(['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p']);
    expect(X264_LOSSLESS_RGB_ARGS).toEqual(['-c:v', 'libx264rgb', '-qp', '0', '-preset', 'ultrafast', '-pix_fmt', 'rgb24']);
  });
});
