import path from 'node:path';
import type { Project } from '../../shared/project/schema';

/**
 * Media paths in a project file are stored relative to the project file's folder (with `/`
 * separators), so a project folder can be moved or shared with its media. In memory they are
 * absolute. Paths on another drive (Windows) stay absolute.
 */
function mapPaths(project: Project, fn: (p: string) => string): Project {
  return {
    ...project,
    video: project.video ? { ...project.video, path: fn(project.video.path) } : null,
    tracks: project.tracks.map((t) => ({ ...t, path: fn(t.path) })),
  };
}

/** In-memory (absolute) -> on-disk (relative to `projectFile`'s folder). */
export function toStoredPaths(project: Project, projectFile: string): Project {
  const dir = path.dirname(path.resolve(projectFile));
  return mapPaths(project, (p) => {
    const rel = path.relative(dir, p);
    if (!rel || path.isAbsolute(rel)) return p;
    return rel.split(path.sep).join('/');
  });
}

/** On-disk (relative or absolute) -> in-memory (absolute). */
export function fromStoredPaths(project: Project, projectFile: string): Project {
  const dir = path.dirname(path.resolve(projectFile));
  return mapPaths(project, (p) => (path.isAbsolute(p) ? path.normalize(p) : path.resolve(dir, p.split('/').join(path.sep))));
}
