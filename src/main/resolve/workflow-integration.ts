import { UserError } from '../util/errors';
import type { ResolveApi, WorkflowIntegrationModule } from './api-types';

/**
 * Finding and loading Resolve's `WorkflowIntegration.node` at run time. The module is part of
 * the user's DaVinci Resolve Studio installation and is never shipped with the plugin. Resolve's
 * Workflow Integration README says the latest version lies next to the README, in
 * "Examples/SamplePlugin/", under the Developer folder:
 *
 * - macOS: /Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Workflow Integrations/Examples/SamplePlugin/WorkflowIntegration.node
 * - Windows: %PROGRAMDATA%\Blackmagic Design\DaVinci Resolve\Support\Developer\Workflow Integrations\Examples\SamplePlugin\WorkflowIntegration.node
 *
 * (Workflow Integration plugins are not supported on Linux.) A different location can be given
 * in the environment variable `DUB_RESOLVE_WORKFLOW_INTEGRATION` or as `workflowIntegrationPath`
 * in the plugin's `settings.json`.
 */

export const WI_ENV = 'DUB_RESOLVE_WORKFLOW_INTEGRATION';
const MODULE = 'WorkflowIntegration.node';

/**
 * Where to look for `WorkflowIntegration.node`, in order: the env variable, the configured path,
 * Resolve's default location for `platform`.
 */
export function workflowIntegrationCandidates(platform: NodeJS.Platform, env: Record<string, string | undefined>, configured?: string): string[] {
  const out: string[] = [];
  if (env[WI_ENV]?.trim()) out.push(env[WI_ENV]!.trim());
  if (configured?.trim()) out.push(configured.trim());
  if (platform === 'darwin') {
    out.push(`/Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Workflow Integrations/Examples/SamplePlugin/${MODULE}`);
  } else if (platform === 'win32') {
    const programData = env.PROGRAMDATA ?? env.ProgramData ?? 'C:\\ProgramData';
    out.push(`${programData}\\Blackmagic Design\\DaVinci Resolve\\Support\\Developer\\Workflow Integrations\\Examples\\SamplePlugin\\${MODULE}`);
  }
  return out;
}

/**
 * Loads the first existing candidate with `requireNative` (the plugin passes Node's `require`).
 * @throws UserError `E_RESOLVE_WI` when none exists (listing where it looked) or the file does
 *   not export `Initialize` / `GetResolve`.
 */
export function loadWorkflowIntegration(deps: {
  candidates: string[];
  exists: (p: string) => boolean;
  requireNative: (p: string) => unknown;
}): { module: WorkflowIntegrationModule; path: string } {
  const found = deps.candidates.find((p) => deps.exists(p));
  if (!found) {
    throw new UserError(
      'E_RESOLVE_WI',
      `DaVinci Resolve's ${MODULE} was not found. Looked in: ${deps.candidates.join('; ') || '(no location known for this platform)'}.`,
      `Install DaVinci Resolve Studio (it ships the module under Developer/Workflow Integrations), or set ${WI_ENV} to the file's full path.`,
    );
  }
  let mod: unknown;
  try {
    mod = deps.requireNative(found);
  } catch (e) {
    throw new UserError('E_RESOLVE_WI', `Could not load "${found}": ${(e as Error).message}.`, 'Use the module from the same Resolve version that runs this plugin.');
  }
  const m = mod as Partial<WorkflowIntegrationModule> | null;
  if (!m || typeof m.Initialize !== 'function' || typeof m.GetResolve !== 'function') {
    throw new UserError('E_RESOLVE_WI', `"${found}" is not Resolve's Workflow Integration module.`, `Point ${WI_ENV} at WorkflowIntegration.node.`);
  }
  return { module: m as WorkflowIntegrationModule, path: found };
}

/**
 * Initializes the module for `pluginId` (the manifest Id) and returns the Resolve object.
 * @throws UserError `E_RESOLVE_WI` when Resolve refuses (plugin not started by Resolve Studio,
 *   or the Id differs from the manifest's).
 */
export async function connectResolve(wi: WorkflowIntegrationModule, pluginId: string): Promise<ResolveApi> {
  if (!wi.Initialize(pluginId)) {
    throw new UserError(
      'E_RESOLVE_WI',
      'DaVinci Resolve refused the connection (WorkflowIntegration.Initialize returned false).',
      'Start the plugin from Workspace > Workflow Integrations in DaVinci Resolve Studio (the free edition does not run plugins), and keep the manifest Id unchanged.',
    );
  }
  const resolve = await wi.GetResolve();
  if (!resolve) throw new UserError('E_RESOLVE_WI', 'DaVinci Resolve returned no scripting object.', 'Restart Resolve and the plugin.');
  return resolve;
}
