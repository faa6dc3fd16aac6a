import { describe, expect, it } from 'vitest';
import { buildCsp, isAllowedNavigation, isPermissionAllowed, isTrustedSender, SECURE_WEB_PREFERENCES } from '../../src/main/app/security';
import { electronMediaUrl, parseElectronMediaUrl } from '../../src/shared/api/media-url';

describe('Electron window security settings', () => {
  it('isolates and sandboxes the renderer without Node', () => {
    expect(SECURE_WEB_PREFERENCES.contextIsolation).toBe(true);
    expect(SECURE_WEB_PREFERENCES.sandbox).toBe(true);
    expect(SECURE_WEB_PREFERENCES.nodeIntegration).toBe(false);
    expect(SECURE_WEB_PREFERENCES.nodeIntegrationInWorker).toBe(false);
    expect(SECURE_WEB_PREFERENCES.nodeIntegrationInSubFrames).toBe(false);
    expect(SECURE_WEB_PREFERENCES.webSecurity).toBe(true);
    expect(SECURE_WEB_PREFERENCES.allowRunningInsecureContent).toBe(false);
    expect(SECURE_WEB_PREFERENCES.webviewTag).toBe(false);
  });

  it('has a CSP without remote or inline scripts (outside dev) and no plugins or frames', () => {
    const csp = buildCsp({ dev: false });
    const dir = (name: string) => csp.split('; ').find((d) => d.startsWith(`${name} `)) ?? '';
    expect(dir('script-src')).toBe("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(dir('object-src')).toBe("object-src 'none'");
    expect(dir('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(dir('media-src')).toContain('media:');
    expect(dir('default-src')).toBe("default-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    const dev = buildCsp({ dev: true, devServer: 'http://localhost:5173' });
    expect(dev).toContain("'unsafe-inline'");
    expect(dev).toContain('ws://localhost:5173');
  });

  it('denies navigation away from the app and every permission', () => {
    const app = 'file:///opt/app/out/renderer/index.html';
    expect(isAllowedNavigation('https://evil.example/', app)).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd', app)).toBe(false);
    expect(isAllowedNavigation(app, app)).toBe(true);
    for (const perm of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) expect(isPermissionAllowed(perm)).toBe(false);
  });

  it('accepts IPC only from the app’s own top frame', () => {
    const app = 'http://localhost:5173/';
    expect(isTrustedSender('http://localhost:5173/', true, app)).toBe(true);
    expect(isTrustedSender('http://localhost:5173/', false, app)).toBe(false);
    expect(isTrustedSender('https://evil.example/', true, app)).toBe(false);
    expect(isTrustedSender(undefined, true, app)).toBe(false);
  });

  it('media:// URLs round-trip any absolute path', () => {
    for (const p of ['/home/a b/clip #1.mp4', 'C:\\Users\\x\\dub.wav', '/tmp/ü/ß.mov']) expect(parseElectronMediaUrl(electronMediaUrl(p))).toBe(p);
    expect(parseElectronMediaUrl('https://x/y')).toBeNull();
    expect(parseElectronMediaUrl('media://file/%E0%A4%A')).toBeNull();
  });
});
