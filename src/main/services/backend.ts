import { createDispatcher, type Dispatch } from './dispatch';
import type { HostConfig } from './host/protocol';
import { HostSupervisor, type HostLauncher } from './host/supervisor';
import { createServices, type DialogProvider, type Services } from './services';

export interface BackendOptions {
  mode: 'electron' | 'bridge';
  version: string;
  cacheDir: string;
  stateDir: string;
  browseRoots: string[];
  pipelineKind: 'real' | 'fake';
  /** Starts a host (utilityProcess in Electron, worker thread elsewhere). */
  launcher: (name: 'jobs' | 'interactive', config: HostConfig) => HostLauncher;
  dialogs: DialogProvider | null;
  testHooks: boolean;
  log: (line: string) => void;
}

export interface Backend {
  services: Services;
  dispatch: Dispatch;
  dispose(): Promise<void>;
}

/**
 * Wires the services to two supervised inference hosts: `jobs` for long work (render, export,
 * face analysis; one at a time through the job queue) and `interactive` for quick requests
 * (probe, peaks, thumbnails, speech), so the timeline stays responsive while a render runs.
 */
export function createBackend(o: BackendOptions): Backend {
  const config: HostConfig = { pipeline: o.pipelineKind, cacheDir: o.cacheDir };
  let services: Services | null = null;
  const onRestart = (reason: string) => services?.emit('host.restarted', { reason });
  const jobsHost = new HostSupervisor('jobs', o.launcher('jobs', config), { onRestart, log: o.log });
  const interactiveHost = new HostSupervisor('interactive', o.launcher('interactive', config), { onRestart, log: o.log });
  services = createServices({
    mode: o.mode,
    version: o.version,
    cacheDir: o.cacheDir,
    stateDir: o.stateDir,
    browseRoots: o.browseRoots,
    pipelineKind: o.pipelineKind,
    jobsHost,
    interactiveHost,
    dialogs: o.dialogs,
    testHooks: o.testHooks,
    crashJobsHost: () => jobsHost.kill(),
  });
  const dispatch = createDispatcher(services.handlers, o.log);
  const s = services;
  return {
    services: s,
    dispatch,
    async dispose() {
      await s.dispose();
      jobsHost.dispose();
      interactiveHost.dispose();
    },
  };
}
