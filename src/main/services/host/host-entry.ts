import { parentPort as workerPort, workerData } from 'node:worker_threads';
import { toErrorInfo } from '../../../shared/api/errors';
import { createFakePipeline } from '../pipeline-fake';
import { createRealPipeline } from '../pipeline-real';
import { createHostHandlers, type HostHandlers } from './handlers';
import type { FromHost, HostConfig, HostMethod, PreviewFrame, ToHost } from './protocol';

/**
 * Entry point of the inference host: an Electron utilityProcess (messages on
 * `process.parentPort`, config in argv) or a worker thread (messages on `parentPort`, config in
 * `workerData`). It owns the pipeline (ONNX sessions, face tracking, ffmpeg children) so the main
 * process never blocks; each call can be cancelled, and progress flows back as messages.
 */
interface Port {
  post(msg: FromHost): void;
  onMessage(fn: (msg: ToHost) => void): void;
}

interface ElectronParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', fn: (e: { data: unknown }) => void): void;
}

function connect(): { port: Port; config: HostConfig } {
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    const arg = process.argv.find((a) => a.startsWith('--host-config='));
    const config = JSON.parse(Buffer.from(arg?.slice('--host-config='.length) ?? '', 'base64').toString('utf8')) as HostConfig;
    return {
      config,
      port: { post: (m) => electronPort.postMessage(m), onMessage: (fn) => electronPort.on('message', (e) => fn(e.data as ToHost)) },
    };
  }
  if (!workerPort && process.send && process.env.DUBBING_HOST_CONFIG) {
    // A forked Node child process (the bridge server's hosts): messages over the IPC channel.
    const config = JSON.parse(Buffer.from(process.env.DUBBING_HOST_CONFIG, 'base64').toString('utf8')) as HostConfig;
    const send = process.send.bind(process);
    return { config, port: { post: (m) => void send(m), onMessage: (fn) => process.on('message', (m) => fn(m as ToHost)) } };
  }
  const wp = workerPort;
  if (!wp) throw new Error('host-entry must run as a worker thread, a forked child process or an Electron utility process');
  const config = (workerData as { config: HostConfig }).config;
  return { config, port: { post: (m) => wp.postMessage(m), onMessage: (fn) => wp.on('message', fn) } };
}

const { port, config } = connect();
const pipeline = config.pipeline === 'fake' ? createFakePipeline() : createRealPipeline();

/**
 * Loads the pipeline modules the handlers import lazily, one after another, before any call
 * runs: concurrent first-time dynamic imports under a module loader hook (tsx, when running from
 * sources) can stall forever, which left calls (peaks, thumbnails) without an answer.
 */
async function preloadPipeline(): Promise<void> {
  if (config.pipeline === 'fake') return;
  const modules = [
    () => import('../../media/probe'),
    () => import('../../media/decode'),
    () => import('../../media/audio-decode'),
    () => import('../../audio/vad'),
    () => import('../../masks/geometry'),
    () => import('../../tracking/landmarks'),
    () => import('../../tracking/mesh-detector'),
    () => import('../../engines/registry'),
    () => import('../../engines/reference/auto-reference'),
    () => import('../../pipeline/tracking-stage'),
    () => import('../../pipeline/reference-stage'),
    () => import('../../pipeline/job'),
    () => import('../../pipeline/segment-render'),
    () => import('../../pipeline/dub'),
  ];
  for (const load of modules) await load();
}
const warm = preloadPipeline().catch((err: unknown) => port.post({ type: 'log', message: `host preload failed: ${(err as Error)?.stack ?? String(err)}` }));
const handlers: HostHandlers = createHostHandlers(pipeline, config.cacheDir);
const running = new Map<number, AbortController>();

port.onMessage((msg) => {
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  const ac = new AbortController();
  running.set(msg.id, ac);
  void warm.then(() => dispatch(msg as Extract<ToHost, { type: 'call' }>, ac));
});

function dispatch(msg: Extract<ToHost, { type: 'call' }>, ac: AbortController): void {
  const handler = handlers[msg.method as HostMethod] as (args: unknown, ctx: { signal: AbortSignal; onProgress: (p: unknown) => void; onPreview: (p: PreviewFrame) => void }) => Promise<unknown>;
  const run = handler
    ? handler(msg.args, {
        signal: ac.signal,
        onProgress: (progress) => port.post({ type: 'progress', id: msg.id, progress: progress as never }),
        onPreview: (preview) => port.post({ type: 'preview', id: msg.id, preview }),
      })
    : Promise.reject(new Error(`unknown host method ${msg.method}`));
  run.then(
    (result) => port.post({ type: 'result', id: msg.id, result }),
    (err) => {
      const expected = err && typeof err === 'object' && ('code' in err || (err as Error).name === 'CancelledError');
      if (!expected) port.post({ type: 'log', message: `host error in ${msg.method}: ${(err as Error)?.stack ?? String(err)}` });
      port.post({ type: 'error', id: msg.id, error: toErrorInfo(err) });
    },
  ).finally(() => running.delete(msg.id));
}

port.post({ type: 'ready', pipeline: pipeline.kind });
