import { describe, expect, it } from 'vitest';
import { FfmpegProgressParser, parseProgressLine } from '../../src/main/media/ffmpeg-progress';

/** One block of ffmpeg 6 `-progress pipe:1` output. */
const BLOCK = [
  'frame=120',
  'fps=29.97',
  'stream_0_0_q=-1.0',
  'bitrate=N/A',
  'total_size=N/A',
  'out_time_us=4004000',
  'out_time_ms=4004000',
  'out_time=00:00:04.004000',
  'dup_frames=0',
  'drop_frames=0',
  'speed=1.99x',
  'progress=continue',
  '',
].join('\n');

describe('parseProgressLine', () => {
  it('reads frame counts and output times (out_time_us and out_time_ms are both microseconds)', () => {
    expect(parseProgressLine('frame=120')).toEqual({ key: 'frame', frames: 120 });
    expect(parseProgressLine('frame=0\r')).toEqual({ key: 'frame', frames: 0 });
    expect(parseProgressLine('out_time_us=4004000')).toEqual({ key: 'out_time', seconds: 4.004 });
    expect(parseProgressLine('out_time_ms=1500000')).toEqual({ key: 'out_time', seconds: 1.5 });
  });

  it('ignores other keys and N/A values', () => {
    for (const l of ['fps=29.97', 'out_time=00:00:04.004000', 'out_time_us=N/A', 'out_time_ms=-9223372036854775807', 'progress=end', '', 'frame=N/A']) {
      expect(parseProgressLine(l)).toBeNull();
    }
  });
});

describe('FfmpegProgressParser', () => {
  it('reports each line once it is complete, whatever the chunking', () => {
    const whole = BLOCK + BLOCK.replace('frame=120', 'frame=150').replaceAll('4004000', '5005000').replace('continue', 'end');
    for (const size of [1, 3, 7, whole.length]) {
      const frames: number[] = [];
      const times: number[] = [];
      const p = new FfmpegProgressParser({ onFrames: (n) => frames.push(n), onTime: (s) => times.push(s) });
      for (let i = 0; i < whole.length; i += size) p.push(whole.slice(i, i + size));
      expect(frames).toEqual([120, 150]);
      expect(times).toEqual([4.004, 4.004, 5.005, 5.005]);
    }
  });

  it('holds back a partial last line and handles CRLF', () => {
    const frames: number[] = [];
    const p = new FfmpegProgressParser({ onFrames: (n) => frames.push(n) });
    p.push('frame=1\r\nframe=2');
    expect(frames).toEqual([1]);
    p.push('3\r\n');
    expect(frames).toEqual([1, 23]);
  });

  it('works with only the handler a caller needs', () => {
    const times: number[] = [];
    const p = new FfmpegProgressParser({ onTime: (s) => times.push(s) });
    p.push(BLOCK);
    expect(times).toEqual([4.004, 4.004]);
    new FfmpegProgressParser({}).push(BLOCK);
  });
});
