import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../util/errors';
import { makeHandoff, readSendBack, writeJsonAtomic } from '../../nle/handoff';
import { mediaPaths } from '../../nle/model';
import { writeOtio } from '../../nle/otio';
import { writeFileAtomic } from '../../util/atomic';
import type { ResolveAdapter } from '../adapter';
import { readCurrentTimeline, sendBack } from '../dub-timeline';
import type { ActionResult, DubTimelineSummary, SendBackSummary } from './ipc';

/** The plugin's two actions without Electron: testable with the fake Resolve. */

/** Runs `fn`, turning a thrown error into `{ ok: false }` (UserErrors keep code and hint). */
export async function toResult<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof UserError) return { ok: false, error: { code: e.code, message: e.message, hint: e.hint } };
    return { ok: false, error: { code: 'E_INTERNAL', message: (e as Error)?.message ?? String(e), hint: 'This is a bug; please report it with the plugin log.' } };
  }
}

function safeName(name: string): string {
  return (
    [...name]
      .map((ch) => (ch.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(ch) ? '_' : ch))
      .join('')
      .trim()
      .slice(0, 100) || 'timeline'
  );
}

/**
 * "Dub current timeline": reads the current Resolve timeline and writes it into `exchangeDir`
 * as `<name>.dubtimeline.json` (for the editor) and `<name>.otio`, atomically.
 */
export async function dubCurrentTimelineAction(adapter: ResolveAdapter, exchangeDir: string, exists: (p: string) => boolean = existsSync): Promise<DubTimelineSummary> {
  const { timeline, warnings } = await readCurrentTimeline(adapter);
  await fsp.mkdir(exchangeDir, { recursive: true });
  const base = path.join(exchangeDir, safeName(timeline.name));
  const file = `${base}.dubtimeline.json`;
  const otio = `${base}.otio`;
  await writeJsonAtomic(file, makeHandoff(timeline, 'resolve', warnings));
  await writeFileAtomic(otio, writeOtio(timeline));
  return {
    file,
    otio,
    timelineName: timeline.name,
    tracks: timeline.tracks.length,
    clips: timeline.tracks.reduce((n, t) => n + t.clips.length, 0),
    missingMedia: mediaPaths(timeline).filter((p) => !exists(p)),
    warnings,
  };
}

/**
 * "Send back": reads the chosen `*.sendback.json` and places its shots on the current timeline.
 * @throws UserError `E_NLE_HANDOFF` for an invalid manifest, `E_RESOLVE_MEDIA` when shot files
 *   are missing, and `sendBack`'s errors.
 */
export async function sendBackAction(adapter: ResolveAdapter, manifestPath: string, exists: (p: string) => boolean = existsSync): Promise<SendBackSummary> {
  const manifest = await readSendBack(manifestPath);
  const missing = [...new Set(manifest.shots.map((s) => s.mediaPath))].filter((p) => !exists(p));
  if (missing.length) {
    throw new UserError('E_RESOLVE_MEDIA', `Shot files are missing: ${missing.join(', ')}.`, 'Export the dubbed shots again, or move them back where the manifest says.');
  }
  const r = await sendBack(adapter, manifest);
  return { cancelled: false, manifest: manifestPath, trackIndices: r.trackIndices, shots: r.placed.length, markers: r.markersAdded, warnings: r.warnings };
}
