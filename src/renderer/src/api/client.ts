import { ApiError } from '../../../shared/api/errors';
import type { Api, Channel, EventName, EventPayload, Reply, RequestOf, ResponseOf } from '../../../shared/api/contract';
import { bridgeMediaUrl } from '../../../shared/api/media-url';

/**
 * The renderer's only way to the services. In Electron the preload exposes `window.dubbing`
 * (IPC through contextBridge); in a browser the same `Api` runs over the bridge's WebSocket.
 * Both throw `ApiError` (code, message, hint) for failed requests.
 */

/** What the preload exposes as `window.dubbing` (see src/preload/index.ts). */
export interface PreloadFacade {
  invoke(channel: string, payload: unknown): Promise<Reply<unknown>>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
  mediaUrl(path: string): string;
}

declare global {
  interface Window {
    dubbing?: PreloadFacade;
  }
}

type AnyListener = (payload: unknown) => void;

class EventHub {
  private listeners = new Map<string, Set<AnyListener>>();
  on(event: string, fn: AnyListener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }
  emit(event: string, payload: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) fn(payload);
  }
}

function unwrap<T>(reply: Reply<unknown>): T {
  if (reply.ok) return reply.result as T;
  throw new ApiError(reply.error);
}

export function createIpcApi(facade: PreloadFacade): Api {
  const hub = new EventHub();
  facade.subscribe((event, payload) => hub.emit(event, payload));
  return {
    mode: 'electron',
    async call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
      return unwrap<ResponseOf<C>>(await facade.invoke(channel, request));
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      return hub.on(event, listener as AnyListener);
    },
    mediaUrl: (p) => facade.mediaUrl(p),
  };
}

/**
 * WebSocket client of the loopback bridge. Requests are `{id, channel, payload}`, replies
 * `{id, reply}`, events `{event, payload}`. Reconnects with back-off; requests made while
 * disconnected wait for the connection (up to 10 s), requests in flight when it drops fail with
 * E_DISCONNECTED.
 */
export function createBridgeApi(origin: string, token: string): Api {
  const hub = new EventHub();
  const pending = new Map<number, { resolve: (r: Reply<unknown>) => void }>();
  let ws: WebSocket | null = null;
  let open: Promise<WebSocket> | null = null;
  let nextId = 1;
  let delay = 250;

  const wsUrl = `${origin.replace(/^http/, 'ws')}/api?t=${encodeURIComponent(token)}`;
  function connect(): Promise<WebSocket> {
    if (open) return open;
    open = new Promise<WebSocket>((resolve, reject) => {
      const sock = new WebSocket(wsUrl);
      const timer = setTimeout(() => reject(new ApiError({ code: 'E_DISCONNECTED', message: 'Cannot reach the editor services.', hint: 'Is `npm run serve` still running?' })), 10_000);
      sock.onopen = () => {
        clearTimeout(timer);
        ws = sock;
        delay = 250;
        hub.emit('connection', true);
        resolve(sock);
      };
      sock.onmessage = (ev) => {
        const msg = JSON.parse(String(ev.data)) as { id?: number; reply?: Reply<unknown>; event?: string; payload?: unknown };
        if (typeof msg.id === 'number' && msg.reply) {
          pending.get(msg.id)?.resolve(msg.reply);
          pending.delete(msg.id);
        } else if (msg.event) hub.emit(msg.event, msg.payload);
      };
      sock.onclose = () => {
        clearTimeout(timer);
        ws = null;
        open = null;
        hub.emit('connection', false);
        for (const p of pending.values()) p.resolve({ ok: false, error: { code: 'E_DISCONNECTED', message: 'The connection to the editor services was lost.', hint: 'Check that `npm run serve` is running; the page reconnects by itself.' } });
        pending.clear();
        setTimeout(() => void connect().catch(() => {}), delay);
        delay = Math.min(delay * 2, 5000);
      };
    });
    open.catch(() => {
      open = null;
    });
    return open;
  }
  void connect().catch(() => {});

  return {
    mode: 'bridge',
    async call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
      const sock = ws ?? (await connect());
      const id = nextId++;
      const reply = await new Promise<Reply<unknown>>((resolve) => {
        pending.set(id, { resolve });
        sock.send(JSON.stringify({ id, channel, payload: request }));
      });
      return unwrap<ResponseOf<C>>(reply);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      return hub.on(event, listener as AnyListener);
    },
    mediaUrl: (p) => `${origin}${bridgeMediaUrl(p, token)}`,
  };
}

/** The API for this page: Electron's preload facade when present, else the bridge (token from the URL). */
export function createApi(): Api {
  if (window.dubbing) return createIpcApi(window.dubbing);
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem('dubbing-token', fromUrl);
    params.delete('token');
    const q = params.toString();
    history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}${location.hash}`);
  }
  const token = fromUrl ?? sessionStorage.getItem('dubbing-token') ?? '';
  return createBridgeApi(location.origin, token);
}
