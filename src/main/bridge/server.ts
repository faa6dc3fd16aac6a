import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatch } from '../services/dispatch';
import { mimeTypeOf, serveMedia, type MediaAccessPolicy } from '../services/media-access';
import type { EventListener } from '../services/services';
import { buildCsp } from '../app/security';

/**
 * The loopback bridge: serves the renderer (static build), the API over a WebSocket and media
 * over HTTP with byte ranges, so the editor runs in a plain browser against the real services.
 * Security: binds 127.0.0.1 only; every API connection and media request must carry the session
 * token printed at start-up; the Host header must name this server (DNS-rebinding defence) and
 * WebSocket Origins must be this server's.
 */
export interface BridgeOptions {
  port: number;
  token: string;
  /** Folder with the built renderer (index.html), or null to serve only API + media. */
  webRoot: string | null;
  dispatch: Dispatch;
  subscribe: (fn: EventListener) => () => void;
  access: MediaAccessPolicy;
  /** Extra allowed WebSocket origins (a Vite dev server). */
  extraOrigins?: string[];
  log?: (line: string) => void;
}

export interface BridgeServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

export async function startBridge(opts: BridgeOptions): Promise<BridgeServer> {
  const log = opts.log ?? (() => {});
  let port = opts.port;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = () => [...allowedHosts().map((h) => `http://${h}`), ...(opts.extraOrigins ?? [])];

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((err) => {
      log(`[bridge] ${(err as Error).stack ?? err}`);
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().includes(req.headers.host ?? '')) return send(res, 421, 'wrong host');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname === '/media') {
      if (url.searchParams.get('t') !== opts.token) return send(res, 403, 'bad token');
      const file = url.searchParams.get('p') ?? '';
      const r = await serveMedia(opts.access, file, req.headers.range, req.method);
      res.writeHead(r.status, { ...r.headers, 'X-Content-Type-Options': 'nosniff', 'Cross-Origin-Resource-Policy': 'same-origin' });
      if (r.body) {
        r.body.pipe(res);
        res.on('close', () => r.body?.destroy());
      } else res.end();
      return;
    }
    if (url.pathname === '/healthz') return send(res, 200, 'ok');
    if (!opts.webRoot) return send(res, 404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(opts.webRoot, rel);
    if (!file.startsWith(path.resolve(opts.webRoot) + path.sep)) return send(res, 403, 'forbidden');
    const data = await fsp.readFile(file).catch(() => null);
    if (!data) return send(res, 404, 'not found');
    const headers: Record<string, string> = {
      'Content-Type': file.endsWith('.html') ? 'text/html; charset=utf-8' : file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : mimeTypeOf(file),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    };
    if (file.endsWith('.html')) {
      headers['Content-Security-Policy'] = buildCsp({ dev: false, connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });
      headers['X-Frame-Options'] = 'DENY';
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const ok =
      url.pathname === '/api' &&
      allowedHosts().includes(req.headers.host ?? '') &&
      allowedOrigins().includes(req.headers.origin ?? '') &&
      url.searchParams.get('t') === opts.token;
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket): void {
    const unsubscribe = opts.subscribe((event, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
    });
    ws.on('message', (data) => {
      let msg: { id?: unknown; channel?: unknown; payload?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return;
      }
      if (typeof msg.id !== 'number') return;
      const id = msg.id;
      void opts.dispatch(msg.channel, msg.payload).then((reply) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, reply }));
      });
    });
    ws.on('close', unsubscribe);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    url: `http://127.0.0.1:${port}/?token=${opts.token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
