/** The Settings (this machine) dialog: the render farm URL and roots. */
import { useState } from 'react';
import { saveFarmSettings } from '../state/actions';
import { FARM_CACHE_ROOT, type FarmSettings } from '../../../shared/api/settings';
import { useEditor } from '../state/store';
import { Modal } from './Modal';

/** Parses "NAME=PATH" lines (blank lines ignored) into farm roots. */
function parseRootLines(text: string): Array<{ name: string; path: string }> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf('=');
      return i > 0 ? { name: l.slice(0, i).trim(), path: l.slice(i + 1).trim() } : { name: l, path: '' };
    });
}

/**
 * This machine's settings: the render farm "Render all" targets (a Redis URL and where this
 * machine sees the shared media and the shared render cache; more roots as NAME=PATH lines).
 * An empty URL renders on this machine.
 */
export function SettingsDialog() {
  const farm = useEditor((s) => s.settings?.farm ?? null);
  const root = (name: string) => farm?.roots.find((r) => r.name === name)?.path ?? '';
  const [url, setUrl] = useState(farm?.redisUrl ?? '');
  const [media, setMedia] = useState(root('media'));
  const [cache, setCache] = useState(root(FARM_CACHE_ROOT));
  const [more, setMore] = useState(
    (farm?.roots ?? [])
      .filter((r) => r.name !== 'media' && r.name !== FARM_CACHE_ROOT)
      .map((r) => `${r.name}=${r.path}`)
      .join('\n'),
  );
  const close = () => useEditor.setState({ dialog: null });
  const save = async () => {
    const next: FarmSettings | null = url.trim()
      ? {
          redisUrl: url.trim(),
          roots: [...(media.trim() ? [{ name: 'media', path: media.trim() }] : []), { name: FARM_CACHE_ROOT, path: cache.trim() }, ...parseRootLines(more)],
        }
      : null;
    if (await saveFarmSettings(next)) close();
  };
  return (
    <Modal title="Settings (this machine)" onClose={close} testId="settings-dialog" wide>
      <fieldset className="farm-settings">
        <legend>Render farm</legend>
        <p className="muted">
          With a farm URL, “Render all” sends each segment as a job to the farm’s workers (BullMQ on Redis); this machine tracks the clip and encodes the takes. Leave the URL empty to render here.
        </p>
        <label>
          Farm URL{' '}
          <input data-testid="farm-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="redis://:PASSWORD@10.0.0.5:6379 (rediss:// for TLS)" size={48} spellCheck={false} />
        </label>
        <label>
          Media root (media){' '}
          <input data-testid="farm-root-media" value={media} onChange={(e) => setMedia(e.target.value)} placeholder="/mnt/show/media" size={48} spellCheck={false} />
        </label>
        <label>
          Shared render cache (cache){' '}
          <input data-testid="farm-root-cache" value={cache} onChange={(e) => setCache(e.target.value)} placeholder="/mnt/show/dub-cache" size={48} spellCheck={false} />
        </label>
        <label>
          More roots (NAME=PATH, one a line)
          <textarea data-testid="farm-roots-more" value={more} onChange={(e) => setMore(e.target.value)} rows={2} cols={48} spellCheck={false} />
        </label>
        <p className="muted">Each worker maps the same names to where it sees these folders (npm run farm -- worker --root media=... --root cache=...).</p>
      </fieldset>
      <footer>
        <button onClick={() => void save()} data-testid="settings-save">
          Save
        </button>
        <button onClick={close}>Cancel</button>
      </footer>
    </Modal>
  );
}
