import { utilityProcess } from 'electron';
import type { HostConfig } from '../services/host/protocol';
import type { HostLauncher } from '../services/host/supervisor';

/**
 * Launches the inference host as an Electron utilityProcess (a Node child process managed by
 * Electron, messages over its parentPort). Config travels as a base64 JSON argument.
 */
export function utilityLauncher(entryPath: string, name: string, config: HostConfig): HostLauncher {
  return () => {
    const child = utilityProcess.fork(entryPath, [`--host-config=${Buffer.from(JSON.stringify(config)).toString('base64')}`], {
      serviceName: `dubbing-${name}-host`,
      stdio: 'inherit',
    });
    return {
      post: (msg) => child.postMessage(msg),
      onMessage: (fn) => child.on('message', fn),
      onExit: (fn) => child.once('exit', (code) => fn(code)),
      kill: () => {
        child.kill();
      },
    };
  };
}
