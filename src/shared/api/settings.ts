import { z } from 'zod';

/**
 * Per-machine editor settings (not part of a project: the same project opened on another
 * machine uses that machine's farm and mount points). Validated with these schemas wherever they
 * cross the IPC / bridge boundary and when read back from disk.
 */

/** Root names as the farm CLI accepts them (`--root NAME=PATH`): a letter, then letters, digits, `_` or `-`. */
export const FARM_ROOT_NAME = /^[A-Za-z][\w-]{0,31}$/;

/** The root every farm machine maps to the same shared render cache. */
export const FARM_CACHE_ROOT = 'cache';

export const farmRootSchema = z.object({
  name: z.string().regex(FARM_ROOT_NAME, 'a root name is a letter, then letters, digits, "_" or "-" (at most 32)'),
  /** Where this machine sees the shared folder (absolute). */
  path: z.string().min(1).max(4096),
});

/**
 * The render farm "render all" targets: a Redis URL (redis:// or rediss://, password and ACL user
 * in the URL) and this machine's roots (`media`, ..., and `cache`: the shared render cache).
 */
export const farmSettingsSchema = z
  .object({
    redisUrl: z
      .string()
      .trim()
      .max(2048)
      .regex(/^rediss?:\/\/[^\s]+$/, 'the farm URL must look like redis://host:6379 (rediss:// for TLS)'),
    roots: z.array(farmRootSchema).min(1).max(16),
  })
  .superRefine((f, ctx) => {
    const names = f.roots.map((r) => r.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['roots'], message: `the root "${dup}" is given twice` });
    if (!names.includes(FARM_CACHE_ROOT)) ctx.addIssue({ code: 'custom', path: ['roots'], message: 'the farm needs a "cache" root: the shared render cache folder' });
  });
export type FarmSettings = z.infer<typeof farmSettingsSchema>;

export const editorSettingsSchema = z.object({
  version: z.literal(1).default(1),
  /** Null: renders run on this machine. */
  farm: farmSettingsSchema.nullable().default(null),
});
export type EditorSettings = z.infer<typeof editorSettingsSchema>;

/** The settings of a machine that never saved any. */
export const DEFAULT_EDITOR_SETTINGS: EditorSettings = { version: 1, farm: null };

/** A Redis URL with its password replaced by `***` (for labels, logs and toasts). */
export function redactFarmUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.slice(0, auth.indexOf(':'))}:***` : '***'}@`);
}
