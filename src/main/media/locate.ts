import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../util/errors';

/** Where the ffmpeg binaries were found. Paths are absolute (or as given in the env vars). */
export interface FfmpegLocation {
  ffmpeg: string;
  ffprobe: string;
  /** Where `ffmpeg` came from; `ffprobe` may come from a later place (see `locateFfmpeg`). */
  source: 'env' | 'ffmpeg-static' | 'PATH';
}

/** The outside world `locateFfmpegWith` looks at; injectable so the search order can be tested. */
export interface LocateDeps {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** True when `file` exists and is a regular file. */
  isFile(file: string): boolean;
  /** Path exported by the optional `ffmpeg-static` package, or null when it is not installed. */
  ffmpegStaticPath(): string | null;
}

const defaultDeps: LocateDeps = {
  env: process.env,
  platform: process.platform,
  isFile(file) {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  },
  ffmpegStaticPath() {
    try {
      const require = createRequire(import.meta.url);
      const p: unknown = require('ffmpeg-static');
      return typeof p === 'string' && p.length > 0 ? p : null;
    } catch {
      return null;
    }
  },
};

function exeName(name: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? `${name}.exe` : name;
}

/** Finds `name` in the PATH of `deps.env` (on Windows also `name.exe`); null when absent. */
function whichIn(name: string, deps: LocateDeps): string | null {
  const pathVar = deps.env.PATH ?? deps.env.Path ?? '';
  const sep = deps.platform === 'win32' ? ';' : ':';
  for (const dir of pathVar.split(sep)) {
    if (!dir) continue;
    const candidate = path.join(dir, exeName(name, deps.platform));
    if (deps.isFile(candidate)) return candidate;
  }
  return null;
}

/** ffmpeg-static inside a packaged Electron app lives in the unpacked part of the archive. */
function unpackedAsar(p: string): string {
  return p.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
}

function notFound(what: string): UserError {
  return new UserError(
    'E_NO_FFMPEG',
    `${what} was not found. Looked in: (1) the FFMPEG_PATH / FFPROBE_PATH environment variables, ` +
      `(2) the optional npm package ffmpeg-static, (3) the folders on PATH.`,
    'Install ffmpeg 5.1 or newer (Debian/Ubuntu: `sudo apt-get install ffmpeg`, macOS: ' +
      '`brew install ffmpeg`), or set FFMPEG_PATH (and FFPROBE_PATH) to the full path of the binaries.',
  );
}

/**
 * Uncached search for ffmpeg and ffprobe, in this order:
 * 1. `FFMPEG_PATH` (must point at an existing file, else `E_NO_FFMPEG` naming the variable);
 * 2. the optional npm package `ffmpeg-static` (its binary must exist on disk);
 * 3. `ffmpeg` on PATH.
 * ffprobe: `FFPROBE_PATH` if set (must exist), else an `ffprobe` next to the chosen ffmpeg,
 * else `ffprobe` on PATH (ffmpeg-static ships no ffprobe).
 * @throws UserError `E_NO_FFMPEG` when either binary cannot be found.
 */
export function locateFfmpegWith(deps: LocateDeps): FfmpegLocation {
  const envFfmpeg = deps.env.FFMPEG_PATH?.trim();
  const envFfprobe = deps.env.FFPROBE_PATH?.trim();

  let ffmpeg: string | null = null;
  let source: FfmpegLocation['source'] = 'PATH';
  if (envFfmpeg) {
    if (!deps.isFile(envFfmpeg)) {
      throw new UserError(
        'E_NO_FFMPEG',
        `FFMPEG_PATH is set to "${envFfmpeg}", but no file exists there.`,
        'Point FFMPEG_PATH at the ffmpeg binary (e.g. /usr/bin/ffmpeg) or unset it to search ffmpeg-static and PATH.',
      );
    }
    ffmpeg = envFfmpeg;
    source = 'env';
  }
  if (!ffmpeg) {
    const staticPath = deps.ffmpegStaticPath();
    if (staticPath) {
      const p = unpackedAsar(staticPath);
      if (deps.isFile(p)) {
        ffmpeg = p;
        source = 'ffmpeg-static';
      }
    }
  }
  if (!ffmpeg) {
    ffmpeg = whichIn('ffmpeg', deps);
    source = 'PATH';
  }
  if (!ffmpeg) throw notFound('ffmpeg');

  let ffprobe: string | null = null;
  if (envFfprobe) {
    if (!deps.isFile(envFfprobe)) {
      throw new UserError(
        'E_NO_FFMPEG',
        `FFPROBE_PATH is set to "${envFfprobe}", but no file exists there.`,
        'Point FFPROBE_PATH at the ffprobe binary (e.g. /usr/bin/ffprobe) or unset it.',
      );
    }
    ffprobe = envFfprobe;
  }
  if (!ffprobe) {
    const sibling = path.join(path.dirname(ffmpeg), exeName('ffprobe', deps.platform));
    if (source !== 'ffmpeg-static' && deps.isFile(sibling)) ffprobe = sibling;
  }
  if (!ffprobe) ffprobe = whichIn('ffprobe', deps);
  if (!ffprobe) throw notFound('ffprobe');

  return { ffmpeg, ffprobe, source };
}

let cached: FfmpegLocation | null = null;

/**
 * Finds ffmpeg and ffprobe (see `locateFfmpegWith` for the order: FFMPEG_PATH / FFPROBE_PATH,
 * then the optional `ffmpeg-static` package, then PATH). The first successful result is cached
 * for the life of the process; failures are not cached. ffmpeg 5.1 or newer is expected
 * (`-fps_mode`).
 * @throws UserError `E_NO_FFMPEG` naming the three places searched and how to install ffmpeg.
 */
export function locateFfmpeg(): FfmpegLocation {
  if (!cached) cached = locateFfmpegWith(defaultDeps);
  return cached;
}
