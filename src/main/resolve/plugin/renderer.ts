import type { ActionResult, DubPluginApi } from './ipc';

/**
 * The plugin page: "Dub current timeline" and "Send back" buttons and a status panel. Runs in a
 * sandboxed, context-isolated renderer with a strict CSP; it only sees `window.dubPlugin`.
 */

declare global {
  interface Window {
    dubPlugin: DubPluginApi;
  }
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el;
}

function show(lines: string[], kind: 'info' | 'ok' | 'error'): void {
  const status = $('status');
  status.className = kind;
  status.replaceChildren(
    ...lines.map((l) => {
      const p = document.createElement('p');
      p.textContent = l;
      return p;
    }),
  );
}

async function run<T>(button: HTMLButtonElement, busy: string, action: () => Promise<ActionResult<T>>, done: (v: T) => void): Promise<void> {
  const buttons = [...document.querySelectorAll('button')];
  buttons.forEach((b) => (b.disabled = true));
  show([busy], 'info');
  try {
    const r = await action();
    if (r.ok) done(r.value);
    else show([r.error.message, r.error.hint].filter(Boolean), 'error');
  } catch (e) {
    show([`Unexpected error: ${(e as Error).message}`], 'error');
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    button.focus();
  }
}

function init(): void {
  const dub = $('dub') as HTMLButtonElement;
  const back = $('send-back') as HTMLButtonElement;
  dub.addEventListener('click', () =>
    run(dub, 'Reading the current timeline…', () => window.dubPlugin.dubCurrentTimeline(), (v) => {
      show(
        [
          `Read "${v.timelineName}": ${v.clips} clips on ${v.tracks} tracks.`,
          `Open ${v.file} in the Dubbing Editor.`,
          ...(v.missingMedia.length ? [`${v.missingMedia.length} media file(s) not found; the editor will offer to relink them.`] : []),
          ...v.warnings,
        ],
        'ok',
      );
      void window.dubPlugin.reveal(v.file);
    }),
  );
  back.addEventListener('click', () =>
    run(back, 'Placing the dubbed shots…', () => window.dubPlugin.sendBack(), (v) => {
      if (v.cancelled) return show(['Nothing sent back.'], 'info');
      show(
        [
          `Placed ${v.shots} dubbed shot(s) on video track ${v.trackIndices?.map((i) => `V${i}`).join(', ')} with ${v.markers} marker(s).`,
          ...(v.warnings ?? []),
        ],
        'ok',
      );
    }),
  );
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();

export {};
