/**
 * Parser of ffmpeg's `-progress` output (`-progress pipe:1`): blocks of `key=value` lines, a few
 * times a second, e.g. `frame=120`, `fps=29.9`, `out_time_us=4000000`, `out_time_ms=4000000`
 * (also microseconds, despite the name), `out_time=00:00:04.000000`, ..., `progress=continue`
 * (`progress=end` last). The one reader of it: exports (`overlay.ts`, frames) and `runFfmpeg`
 * (services/ffmpeg-run.ts, output time).
 */

/** What one progress line says; null for the keys nobody reads, and for `N/A` values. */
export type FfmpegProgressLine = { key: 'frame'; frames: number } | { key: 'out_time'; seconds: number } | null;

/**
 * Reads one line (surrounding whitespace and `\r` ignored): `frame=N` gives the frames encoded so
 * far; `out_time_us=N` and `out_time_ms=N` (both microseconds) give the output time in seconds.
 */
export function parseProgressLine(raw: string): FfmpegProgressLine {
  const line = raw.trim();
  const f = /^frame=(\d+)/.exec(line);
  if (f) return { key: 'frame', frames: Number(f[1]) };
  const t = /^out_time_(?:us|ms)=(\d+)/.exec(line);
  if (t) return { key: 'out_time', seconds: Number(t[1]) / 1e6 };
  return null;
}

export interface FfmpegProgressHandlers {
  /** Called on each `frame=N` line with N. */
  onFrames?: (frames: number) => void;
  /** Called on each `out_time_us` / `out_time_ms` line with the output time, seconds (so twice a block). */
  onTime?: (seconds: number) => void;
}

/**
 * Splits the progress stream, fed in arbitrary chunks, into lines and reports them to `handlers`
 * as each line completes (a partial last line waits for the next chunk).
 */
export class FfmpegProgressParser {
  private pending = '';

  constructor(private readonly handlers: FfmpegProgressHandlers) {}

  /** Feeds a chunk of ffmpeg's stdout (text). */
  push(chunk: string): void {
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const p = parseProgressLine(this.pending.slice(0, nl));
      this.pending = this.pending.slice(nl + 1);
      if (p?.key === 'frame') this.handlers.onFrames?.(p.frames);
      else if (p?.key === 'out_time') this.handlers.onTime?.(p.seconds);
    }
  }
}
