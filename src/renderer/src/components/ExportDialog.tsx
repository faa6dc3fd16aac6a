/** The Export video dialog: codec, audio, what each segment contributes, progress and the result. */
import { useEffect, useState } from 'react';
import type { ExportCodec } from '../../../shared/project/schema';
import { cancelJob, exportVideo, pickFile, renderBatch } from '../state/actions';
import { exportContributions, type ExportContribution, type SegmentContribution } from '../../../shared/project/names';
import { formatTimecode } from '../../../shared/time';
import { useEditor, useProject } from '../state/store';
import { basename, dirname, joinPath } from '../lib/paths';
import { Modal } from './Modal';
import { BatchProgress } from './BatchProgress';

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

export function ExportDialog() {
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
