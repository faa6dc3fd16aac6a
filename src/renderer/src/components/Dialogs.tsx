import { useEffect, useRef, useState } from 'react';
import type { ResponseOf } from '../../../shared/api/contract';
import type { ExportCodec } from '../../../shared/project/schema';
import { cancelBatch, cancelJob, exportVideo, newProject, pickFile, relink, renderBatch, saveFarmSettings, saveProject } from '../state/actions';
import { FARM_CACHE_ROOT, type FarmSettings } from '../../../shared/api/settings';
import { exportContributions, type ExportContribution, type SegmentContribution } from '../../../shared/project/names';
import { formatTimecode } from '../../../shared/time';
import { showError, useEditor, useProject, type Dialog, type FileDialog } from '../state/store';
import { SHORTCUTS } from '../lib/shortcuts';
import { basename, dirname, joinPath } from '../lib/paths';

function Modal({ title, onClose, children, testId, wide }: { title: string; onClose: () => void; children: React.ReactNode; testId: string; wide?: boolean }) {
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`modal ${wide ? 'wide' : ''}`} role="dialog" aria-label={title} data-testid={testId}>
        <header>
          <h2>{title}</h2>
          <button className="link" onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}

/**
 * The bridge's file chooser (a browser cannot show native dialogs or see paths): a path field
 * and a listing of the server's allowed folders. Electron uses native dialogs instead.
 */
function FileBrowser({ d }: { d: FileDialog }) {
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

const CODECS: Array<{ id: ExportCodec; label: string; ext: string }> = [
  { id: 'h264', label: 'H.264 (review)', ext: '.mp4' },
  { id: 'hevc', label: 'HEVC (review)', ext: '.mp4' },
  { id: 'prores', label: 'ProRes 422 HQ, 10-bit (delivery)', ext: '.mov' },
];

const CONTRIBUTION_TEXT: Record<ExportContribution, string> = { current: 'current take', stale: 'out-of-date take', none: 'never rendered' };
const UNDUBBED_TEXT: Record<'stale' | 'none' | 'missing', string> = { stale: 'out-of-date take', none: 'never rendered', missing: 'take file missing from the cache' };

/** Per segment, what the export uses: its current take, nothing (out-of-date take), nothing (never rendered). */
function ExportPreflight({ contributions, rendering }: { contributions: SegmentContribution[]; rendering: Set<string> }) {
  const fps = useProject().video?.fps ?? 25;
  if (contributions.length === 0) return <p className="muted">No segments: the export is the original picture with the chosen audio.</p>;
  return (
    <table className="preflight" data-testid="export-preflight">
      <tbody>
        {contributions.map((c) => (
          <tr key={c.segmentId} data-testid="export-segment" data-contribution={rendering.has(c.segmentId) ? 'rendering' : c.contribution} className={c.contribution}>
            <td className="ellipsis">{c.name}</td>
            <td className="tc">
              {formatTimecode(c.startFrame, fps)}–{formatTimecode(c.endFrame - 1, fps)}
            </td>
            <td>{rendering.has(c.segmentId) ? 'rendering…' : c.contribution === 'current' ? 'dubbed (current take)' : `original frames (${CONTRIBUTION_TEXT[c.contribution]})`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One progress bar and one cancel for a batch of renders. */
export function BatchProgress() {
  const batch = useEditor((s) => s.batch);
  const jobs = useEditor((s) => s.jobs);
  if (!batch) return null;
  const fractions = batch.jobIds.map((id) => {
    const j = jobs[id];
    if (!j) return 0;
    return j.state === 'done' || j.state === 'failed' || j.state === 'cancelled' ? 1 : (j.progress?.fraction ?? 0);
  });
  const total = Math.max(batch.total, 1);
  const fraction = fractions.reduce((a, b) => a + b, 0) / total;
  const finished = batch.jobIds.filter((id) => jobs[id] && ['done', 'failed', 'cancelled'].includes(jobs[id].state)).length;
  return (
    <span className="progress batch" data-testid="batch-progress">
      <progress max={1} value={fraction} />
      <span>
        {batch.label}: {finished}/{batch.total} · {Math.round(fraction * 100)}%
      </span>
      <button onClick={() => void cancelBatch()} data-testid="batch-cancel">
        Cancel
      </button>
    </span>
  );
}

function ExportDialog() {
  const project = useProject();
  const jobs = useEditor((s) => s.jobs);
  const lastExport = useEditor((s) => s.lastExport);
  const projectPath = useEditor((s) => s.projectPath);
  const [codec, setCodec] = useState<ExportCodec>(project.export.codec);
  const [audio, setAudio] = useState<string[]>(project.export.audio);
  const ext = CODECS.find((c) => c.id === codec)!.ext;
  const defaultDir = projectPath ? dirname(projectPath) : project.video ? dirname(project.video.path) : '';
  const [out, setOut] = useState(joinPath(defaultDir, `${project.name || 'export'}-dubbed${ext}`));
  useEffect(() => setOut((o) => o.replace(/\.(mp4|mov|mkv)$/i, ext)), [ext]);
  const job = Object.values(jobs)
    .filter((j) => j.kind === 'export')
    .pop();
  const running = job && (job.state === 'queued' || job.state === 'running');
  const pending = useEditor((s) => s.pendingRenders);
  const batch = useEditor((s) => s.batch);
  const rendering = new Set(Object.values(pending).map((p) => p.segmentId));
  const contributions = exportContributions(project);
  const missing = contributions.filter((c) => c.contribution !== 'current');
  const missingIdle = missing.filter((c) => !rendering.has(c.segmentId));
  const sources = [...(project.video?.hasAudio ? [{ id: 'original', name: 'Original dialogue (clip audio)' }] : []), ...project.tracks.map((t) => ({ id: t.id, name: t.name }))];
  return (
    <Modal title="Export video" onClose={() => useEditor.setState({ dialog: null })} testId="export-dialog">
      <fieldset>
        <legend>Codec</legend>
        {CODECS.map((c) => (
          <label key={c.id} className="row">
            <input type="radio" name="codec" checked={codec === c.id} onChange={() => setCodec(c.id)} data-testid={`codec-${c.id}`} /> {c.label}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Audio</legend>
        {sources.map((s) => (
          <label key={s.id} className="row">
            <input type="checkbox" checked={audio.includes(s.id)} onChange={(e) => setAudio(e.target.checked ? [...audio, s.id] : audio.filter((a) => a !== s.id))} data-testid={`audio-${s.id}`} /> {s.name}
          </label>
        ))}
      </fieldset>
      <ExportPreflight contributions={contributions} rendering={rendering} />
      {missing.length > 0 && (
        <div className="warn-box" data-testid="export-warning">
          {missing.length} of {contributions.length} segment{contributions.length === 1 ? '' : 's'} would go out undubbed (original frames):{' '}
          {missing.map((c) => `${c.name} (${rendering.has(c.segmentId) ? 'rendering' : CONTRIBUTION_TEXT[c.contribution]})`).join(', ')}.
          <div className="row">
            <button className="primary" disabled={missingIdle.length === 0 || !!batch} onClick={() => void renderBatch(missingIdle.map((c) => c.segmentId), `Render ${missingIdle.length} missing`)} data-testid="export-render-missing">
              {missingIdle.length === 0 ? 'Rendering the missing segments…' : `Render the ${missingIdle.length} missing first`}
            </button>
            <BatchProgress />
          </div>
        </div>
      )}
      <div className="row">
        <input type="text" className="grow" value={out} onChange={(e) => setOut(e.target.value)} data-testid="export-path" aria-label="Output file" />
        <button
          onClick={async () => {
            const p = await pickFile('save', 'export', 'Export to', basename(out));
            if (p) setOut(p);
          }}
        >
          Browse…
        </button>
      </div>
      {job && (
        <div className="progress" data-testid="export-progress">
          <progress max={1} value={job.progress?.fraction ?? 0} />
          <span>
            {job.state} {Math.round((job.progress?.fraction ?? 0) * 100)}%
          </span>
          {job.state === 'failed' && job.error && (
            <div className="error-box">
              <b>{job.error.message}</b> <div>{job.error.hint}</div>
            </div>
          )}
        </div>
      )}
      {lastExport && !running && lastExport.undubbed.length > 0 && (
        <div className="warn-box" data-testid="export-undubbed">
          Went out undubbed (original frames): {lastExport.undubbed.map((u) => `${u.name} (${UNDUBBED_TEXT[u.reason]})`).join(', ')}.
        </div>
      )}
      {lastExport && !running && (
        <div className="ok-box" data-testid="export-result">
          Wrote {lastExport.path}: {lastExport.probe.codec} {lastExport.probe.pixelFormat} {lastExport.probe.width}×{lastExport.probe.height}, {lastExport.probe.frames} frames, {lastExport.probe.duration.toFixed(2)} s, audio {lastExport.probe.audioCodec ?? 'none'}.
          {lastExport.readySegments > 0 &&
            (lastExport.losslessSegments === lastExport.readySegments
              ? ` ${lastExport.readySegments} dubbed segment${lastExport.readySegments === 1 ? '' : 's'} from the lossless renders.`
              : ` ${lastExport.readySegments - lastExport.losslessSegments} of ${lastExport.readySegments} dubbed segments from their H.264 takes (their lossless renders are no longer in the cache; render them again for the best quality).`)}
        </div>
      )}
      <footer>
        {running ? (
          <button onClick={() => void cancelJob(job!.jobId)} data-testid="export-cancel">
            Cancel export
          </button>
        ) : (
          <button className="primary" onClick={() => void exportVideo(out, codec, audio)} data-testid="export-start">
            Export
          </button>
        )}
        <button onClick={() => useEditor.setState({ dialog: null })} data-testid="export-close">
          Close
        </button>
      </footer>
    </Modal>
  );
}

function HelpOverlay() {
  return (
    <Modal title="Keyboard shortcuts" onClose={() => useEditor.setState({ dialog: null })} testId="help-overlay" wide>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">Mouse: drag on the original dialogue lane to create a segment; drag a segment’s body to move it, its edges to trim; Ctrl+wheel on the waveform zooms.</p>
    </Modal>
  );
}

function RelinkDialog({ d }: { d: Extract<Dialog, { kind: 'relink' }> }) {
  const api = useEditor((s) => s.api);
  const project = useProject();
  const [paths, setPaths] = useState<Record<string, string>>({});
  const stillMissing = d.missing.filter((m) => (m.role === 'video' ? project.video?.path === m.path : project.tracks.some((t) => t.path === m.path)));
  return (
    <Modal title="Missing media" onClose={() => useEditor.setState({ dialog: null })} testId="relink-dialog" wide>
      <p>These files were moved or deleted. Point the project at their new location; nothing else in the project is changed.</p>
      {stillMissing.length === 0 && <p className="ok-box">All media found.</p>}
      {stillMissing.map((m) => (
        <div key={m.path} className="relink-row">
          <div>
            <b>{m.role === 'video' ? 'Video' : 'Dub track'}</b> <code>{m.path}</code>
          </div>
          <div className="row">
            <input type="text" className="grow" placeholder="new path" value={paths[m.path] ?? ''} onChange={(e) => setPaths({ ...paths, [m.path]: e.target.value })} data-testid="relink-path" />
            <button
              onClick={async () => {
                const p = await pickFile('open', m.role === 'video' ? 'video' : 'audio', `Find ${basename(m.path)}`);
                if (p) setPaths((x) => ({ ...x, [m.path]: p }));
              }}
            >
              Browse…
            </button>
            <button disabled={!paths[m.path]} onClick={() => void relink(m.path, paths[m.path])} data-testid="relink-apply">
              Relink
            </button>
          </div>
        </div>
      ))}
      {stillMissing.length > 1 && (
        <button
          onClick={async () => {
            const first = paths[stillMissing[0].path];
            if (!first || !api) return;
            const { found } = await api.call('fs.findByName', { dir: dirname(first), names: stillMissing.map((m) => basename(m.path)) }).catch((e) => (showError(e), { found: {} as Record<string, string> }));
            for (const m of stillMissing) if (found[basename(m.path)]) await relink(m.path, found[basename(m.path)]);
          }}
        >
          Find the others in the same folder
        </button>
      )}
      <footer>
        <button onClick={() => useEditor.setState({ dialog: null })}>{stillMissing.length ? 'Later' : 'Done'}</button>
      </footer>
    </Modal>
  );
}

export function Dialogs() {
  const dialog = useEditor((s) => s.dialog);
  const fileDialog = useEditor((s) => s.fileDialog);
  return (
    <>
      {dialog && <MainDialog dialog={dialog} />}
      {fileDialog && <FileBrowser d={fileDialog} />}
    </>
  );
}

/** New with unsaved edits: save them, throw them away, or stay. */
function ConfirmNewDialog() {
  const close = () => useEditor.setState({ dialog: null });
  const name = useEditor((s) => (s.projectPath ? basename(s.projectPath) : s.history.present.name || 'Untitled'));
  return (
    <Modal title="Unsaved changes" onClose={close} testId="confirm-new">
      <p>
        <b className="ellipsis">{name}</b> has changes that are not saved. Start a new project anyway?
      </p>
      <footer>
        <button onClick={close} data-testid="discard-cancel">
          Cancel
        </button>
        <button
          onClick={async () => {
            close();
            if (await saveProject()) await newProject();
          }}
          data-testid="discard-save"
        >
          Save, then new
        </button>
        <button className="danger" onClick={() => (close(), void newProject())} data-testid="discard-confirm">
          Discard changes
        </button>
      </footer>
    </Modal>
  );
}

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
function SettingsDialog() {
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

function MainDialog({ dialog }: { dialog: Dialog }) {
  switch (dialog.kind) {
    case 'confirm-new':
      return <ConfirmNewDialog />;
    case 'export':
      return <ExportDialog />;
    case 'help':
      return <HelpOverlay />;
    case 'relink':
      return <RelinkDialog d={dialog} />;
    case 'settings':
      return <SettingsDialog />;
  }
}

export function Toasts() {
  const toasts = useEditor((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`} data-testid={`toast-${t.kind}`} data-code={t.code ?? ''} role={t.kind === 'error' ? 'alert' : 'status'}>
          <div className="toast-msg">{t.message}</div>
          {t.hint && <div className="toast-hint">{t.hint}</div>}
          <button className="link" onClick={() => useEditor.setState((s) => ({ toasts: s.toasts.filter((x) => x.id !== t.id) }))} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
