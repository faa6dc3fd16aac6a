import { protocol } from 'electron';
import { Readable } from 'node:stream';
import { MEDIA_SCHEME, parseElectronMediaUrl } from '../../shared/api/media-url';
import { serveMedia, type MediaAccessPolicy } from '../services/media-access';

/** Must run before app `ready`: `media://` is a standard, secure scheme that can stream. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, bypassCSP: false } },
  ]);
}

/**
 * Serves `media://file/<path>` from disk with byte ranges (206) for seeking, only for files the
 * policy allows (the open project's media, its folder and the render cache): 403 otherwise.
 */
export function handleMediaProtocol(policy: MediaAccessPolicy): void {
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const file = parseElectronMediaUrl(request.url);
    if (!file) return new Response('bad media url', { status: 400 });
    const r = await serveMedia(policy, file, request.headers.get('range'), request.method);
    const body = r.body ? (Readable.toWeb(r.body) as unknown as ReadableStream) : null;
    return new Response(body, { status: r.status, headers: r.headers });
  });
}
