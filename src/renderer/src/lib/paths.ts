/** Path helpers for display in the renderer (no Node here). */
export function basename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

export function dirname(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i <= 0 ? p.slice(0, i + 1) || '/' : p.slice(0, i);
}

export function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/** Render-cache path of a take (mirrors src/main/services/render-cache.ts `takePath`). */
export function takeFile(cacheDir: string, cacheKey: string): string {
  return joinPath(joinPath(cacheDir, 'takes'), `${cacheKey}.mp4`);
}
