import { z } from 'zod';
import { CURRENT_PROJECT_VERSION, projectV1Schema, projectV2Schema, type Project, type ProjectV1 } from './schema';

/** A project file that cannot be read; `message` names what is wrong and where. */
export class ProjectFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectFormatError';
  }
}

function describeIssue(err: z.ZodError): string {
  const issue = err.issues[0];
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  return `${issue.message} at ${where}`;
}

/** v1 -> v2: seconds become frames, the single dub file becomes track `dub-1`, segments get empty takes/masks. */
export function migrateV1toV2(v1: ProjectV1): Project {
  const fps = v1.video?.fps ?? 25;
  const frameCount = v1.video ? Math.max(1, Math.round(v1.video.duration * fps)) : 1;
  const trackId = 'dub-1';
  const tracks = v1.dub ? [{ id: trackId, name: 'Dub', path: v1.dub, offset: 0, muted: false }] : [];
  const segments = v1.segments
    .map((s, i) => {
      const startFrame = Math.min(frameCount - 1, Math.max(0, Math.round(s.start * fps)));
      const endFrame = Math.min(frameCount, Math.max(startFrame + 1, Math.round(s.end * fps)));
      return {
        id: s.id || `seg-${i + 1}`,
        label: '',
        startFrame,
        endFrame,
        trackId,
        face: null,
        reference: null,
        engine: s.engine,
        params: s.params,
        occlusion: { shapes: [] },
        takes: [],
        activeTakeId: null,
        failure: null,
      };
    })
    .sort((a, b) => a.startFrame - b.startFrame);
  return {
    version: 2,
    name: v1.name ?? 'Untitled',
    createdAt: new Date(0).toISOString(),
    video: v1.video
      ? { path: v1.video.path, width: v1.video.width, height: v1.video.height, fps, frameCount, duration: v1.video.duration, hasAudio: true }
      : null,
    tracks,
    segments,
    protectedRanges: [],
    export: { codec: 'h264', audio: tracks.length ? ['original', trackId] : ['original'] },
  };
}

/** Migration steps by source version; each returns the next version's document. */
const MIGRATIONS: Record<number, (doc: unknown) => unknown> = {
  1: (doc) => migrateV1toV2(projectV1Schema.parse(doc)),
};

/**
 * Validates a parsed project document of any known version and migrates it to the current one.
 * @returns the project and the version it was stored in.
 * @throws ProjectFormatError when the document is not a project, is from a newer version, or is invalid.
 */
export function parseProjectDocument(doc: unknown): { project: Project; fromVersion: number } {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ProjectFormatError('The file is not a project (expected a JSON object).');
  const version = (doc as { version?: unknown }).version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new ProjectFormatError('The file is not a project (no valid "version" field).');
  }
  if (version > CURRENT_PROJECT_VERSION) {
    throw new ProjectFormatError(`The project was saved by a newer version of the editor (format ${version}; this version reads up to ${CURRENT_PROJECT_VERSION}).`);
  }
  let current: unknown = doc;
  for (let v = version; v < CURRENT_PROJECT_VERSION; v++) {
    try {
      current = MIGRATIONS[v](current);
    } catch (err) {
      if (err instanceof z.ZodError) throw new ProjectFormatError(`Project format ${v} is invalid: ${describeIssue(err)}.`);
      throw err;
    }
  }
  const parsed = projectV2Schema.safeParse(current);
  if (!parsed.success) throw new ProjectFormatError(`The project is invalid: ${describeIssue(parsed.error)}.`);
  return { project: parsed.data, fromVersion: version };
}

/** Parses project JSON text (see parseProjectDocument). @throws ProjectFormatError on bad JSON too. */
export function parseProjectText(text: string): { project: Project; fromVersion: number } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ProjectFormatError(`The file is not valid JSON (${(err as Error).message}).`);
  }
  return parseProjectDocument(doc);
}
