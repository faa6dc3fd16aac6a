import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Runtime boundaries (see README "Runtime boundaries"; the tsconfig.*.json files check the
 * globals). Every source file falls in exactly one group below, so each group's
 * `no-restricted-imports` list is complete (a later flat-config entry would replace, not extend,
 * an earlier one). Static imports and re-exports are checked by `no-restricted-imports`, dynamic
 * `import('…')` by `no-restricted-syntax` with the same patterns.
 */
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const NODE_BUILTINS = `^(node:|(${builtinModules.filter((m) => !m.startsWith('_')).map(esc).join('|')})(/|$))`;

const forbid = {
  node: (who) => ({ regex: NODE_BUILTINS, message: `${who} has no Node.js: no node:* or built-in module imports.` }),
  electron: (who, hint) => ({ regex: '^electron(/|$)', message: `${who} must not import electron${hint ? ` (${hint})` : ''}.` }),
  /** A top-level folder of src/ (`name` may be an alternation), reached by `depth` or more `../`. */
  folder: (depth, name, message) => ({ regex: `^(\\.\\./){${depth},}${name}(/|$)`, message }),
};

function boundary(files, ignores, patterns) {
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { patterns: patterns.map(({ regex, message }) => ({ regex, message })) }],
      'no-restricted-syntax': [
        'error',
        // esquery regex literals cannot contain '/': write it as \x2F.
        ...patterns.map(({ regex, message }) => ({ selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`, message })),
      ],
    },
  };
}

const RENDERER = 'src/renderer (the sandboxed page)';
const SHARED = 'src/shared (imported by every runtime)';
const PRELOAD = 'src/preload (the sandboxed preload)';
const PIPELINE = 'Pipeline/library code under src/main';
const PLUGIN_PAGE = 'The Resolve plugin page (src/main/resolve/plugin/renderer.ts)';
const PLUGIN_PRELOAD = 'The Resolve plugin preload (src/main/resolve/plugin/preload.ts)';

/** Electron main processes: the editor's (src/main/app) and the Resolve plugin's. */
const ELECTRON_MAIN = ['src/main/app/**', 'src/main/resolve/plugin/main.ts'];
const PLUGIN_BROWSER = ['src/main/resolve/plugin/renderer.ts', 'src/main/resolve/plugin/preload.ts'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', 'build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // src/renderer/src/<file> reaches src/<x> with 2+ '../'.
  boundary(['src/renderer/**'], [], [
    forbid.node(RENDERER),
    forbid.electron(RENDERER, 'use window.dubbing from the preload'),
    forbid.folder(2, 'main', `${RENDERER} must not import src/main (go through window.dubbing and the contract in src/shared/api).`),
    forbid.folder(2, 'preload', `${RENDERER} must not import src/preload.`),
  ]),
  // src/shared/<file> reaches src/<x> with 1+ '../'.
  boundary(['src/shared/**'], [], [
    forbid.node(SHARED),
    forbid.electron(SHARED),
    forbid.folder(1, '(main|renderer|preload)', `${SHARED} must not import src/main, src/renderer or src/preload.`),
  ]),
  boundary(['src/preload/**'], [], [
    forbid.node(PRELOAD),
    forbid.folder(1, '(main|renderer)', `${PRELOAD} must not import src/main or src/renderer (only electron and src/shared).`),
  ]),
  // src/main/<dir>/.../<file>: src/<x> is 2+ '../' away.
  boundary(['src/main/**'], [...ELECTRON_MAIN, ...PLUGIN_BROWSER], [
    forbid.electron(PIPELINE, `only ${ELECTRON_MAIN.join(', ')} may`),
    forbid.folder(2, '(renderer|preload)', `${PIPELINE} must not import src/renderer or src/preload.`),
  ]),
  boundary(ELECTRON_MAIN, [], [forbid.folder(2, '(renderer|preload)', 'Electron main code must not import src/renderer or src/preload.')]),
  // The plugin page and preload are bundled on their own: only their siblings (./ipc).
  boundary(['src/main/resolve/plugin/renderer.ts'], [], [
    forbid.node(PLUGIN_PAGE),
    forbid.electron(PLUGIN_PAGE, 'use window.dubPlugin'),
    { regex: '^\\.\\.(/|$)', message: `${PLUGIN_PAGE} may only import its siblings (./ipc).` },
  ]),
  boundary(['src/main/resolve/plugin/preload.ts'], [], [
    forbid.node(PLUGIN_PRELOAD),
    { regex: '^\\.\\.(/|$)', message: `${PLUGIN_PRELOAD} may only import electron and its siblings (./ipc).` },
  ]),
);
