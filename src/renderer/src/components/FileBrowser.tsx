/** The bridge's in-app file chooser (Electron uses native dialogs). */
import { useEffect, useRef, useState } from 'react';
import type { ResponseOf } from '../../../shared/api/contract';
import { showError, useEditor, type FileDialog } from '../state/store';
import { joinPath } from '../lib/paths';
import { Modal } from './Modal';

/**
 * The bridge's file chooser (a browser cannot show native dialogs or see paths): a path field
 * and a listing of the server's allowed folders. Electron uses native dialogs instead.
 */
export function FileBrowser({ d }: { d: FileDialog }) {
  const api = useEditor((s) => s.api);
  const [listing, setListing] = useState<ResponseOf<'fs.list'> | null>(null);
  const [pathText, setPathText] = useState('');
  /** True once the user edited the path field: a listing that arrives later must not replace it. */
  const edited = useRef(false);
  const [name, setName] = useState(d.defaultName ?? '');
  const kind = d.fileKind === 'export' ? 'video' : d.fileKind;
  /** Lists `dir`; the path field follows navigation, but never overwrites what the user typed. */
  const load = (dir?: string, navigate = true) => {
    api
      ?.call('fs.list', { dir, kind })
      .then((l) => {
        setListing(l);
        if (d.mode === 'open') setPathText((typed) => (navigate || (!typed && !edited.current) ? l.dir : typed));
      })
      .catch(showError);
  };
  useEffect(() => load(undefined, false), []);
  const choose = () => {
    if (d.mode === 'save') {
      const base = listing?.dir ?? '';
      const target = pathText && pathText !== base ? pathText : joinPath(base, name);
      if (!name && (!pathText || pathText === base)) return;
      d.resolve(target);
    } else if (pathText) d.resolve(pathText);
  };
  return (
    <Modal title={d.title} onClose={() => d.resolve(null)} testId="file-dialog" wide>
      <div className="row">
        <input
          type="text"
          className="grow"
          value={pathText}
          placeholder="/absolute/path/to/file"
          onChange={(e) => {
            edited.current = true;
            setPathText(e.target.value);
          }}
          onKeyDown={(e) => e.key === 'Enter' && choose()}
          data-testid="file-path"
          aria-label="Path"
        />
        <button onClick={() => load(pathText || undefined)}>Go</button>
      </div>
      <div className="row small">
        {listing?.roots.map((r) => (
          <button key={r} className="link" onClick={() => load(r)}>
            {r}
          </button>
        ))}
      </div>
      <ul className="file-list" data-testid="file-list" data-loaded={listing ? "yes" : "no"}>
        {listing?.parent && (
          <li>
            <button className="link" onClick={() => load(listing.parent!)}>
              ..
            </button>
          </li>
        )}
        {listing?.entries.map((e) => (
          <li key={e.path}>
            <button
              className="link"
              data-entry={e.name}
              onClick={() => (e.kind === 'dir' ? load(e.path) : d.mode === 'save' ? (setName(e.name), setPathText(e.path)) : setPathText(e.path))}
              onDoubleClick={() => e.kind === 'file' && d.resolve(e.path)}
            >
              {e.kind === 'dir' ? '📁 ' : ''}
              {e.name}
            </button>
            {e.kind === 'file' && <small className="muted"> {(e.size / 1e6).toFixed(1)} MB</small>}
          </li>
        ))}
      </ul>
      {d.mode === 'save' && (
        <div className="row">
          <label>
            File name <input type="text" value={name} onChange={(e) => (setName(e.target.value), setPathText(joinPath(listing?.dir ?? '', e.target.value)))} data-testid="file-name" />
          </label>
        </div>
      )}
      <footer>
        <button onClick={() => d.resolve(null)}>Cancel</button>
        <button className="primary" onClick={choose} data-testid="file-ok">
          {d.mode === 'save' ? 'Save' : 'Open'}
        </button>
      </footer>
    </Modal>
  );
}
