import { useMemo, useState } from 'react';
import { segmentStatus, type SegmentStatus } from '../../../shared/project/render-key';
import * as ops from '../../../shared/project/segments';
import { formatTimecode, nearestFrameBoundary } from '../../../shared/time';
import { createSegment, edit, segmentsFromSpeech, selectSegment } from '../state/actions';
import { toast, useEditor, useProject } from '../state/store';
import { playback } from '../state/playback';
import { parseTimecode } from '../lib/timecode';
import { laneGroup } from '../lib/lane-group';
import { segmentName, undubbedSegments } from '../../../shared/project/names';
import { BatchProgress } from './Dialogs';
import { renderAllStale } from '../state/actions';
import { redactFarmUrl } from '../../../shared/api/settings';
import { Playhead, Ruler, ThumbStrip } from './TimelineView';
import { newId } from '../lib/ids';
import { placePeaks } from '../lib/peaks';
import { WaveLane, type LaneRegion } from './WaveLane';
import { LabialLane } from './LabialLane';

/** Width of the lane heads (names and controls), pixels; the lanes' time axis starts after it. */
export const LANE_HEAD_PX = 180;

export const STATUS_COLORS: Record<SegmentStatus, string> = {
  stale: 'rgba(99, 132, 196, 0.45)',
  rendering: 'rgba(234, 170, 40, 0.5)',
  ready: 'rgba(46, 180, 100, 0.5)',
  failed: 'rgba(220, 60, 60, 0.55)',
};

/** Statuses of all segments (rendering = a render job queued or running for it). */
export function useSegmentStatuses(): Record<string, SegmentStatus> {
  const project = useProject();
  const pending = useEditor((s) => s.pendingRenders);
  return useMemo(() => {
    const rendering = new Set(Object.values(pending).map((p) => p.segmentId));
    return Object.fromEntries(project.segments.map((s) => [s.id, segmentStatus(project, s, rendering.has(s.id))]));
  }, [project, pending]);
}

/** Renders every segment that is not ready as one queued batch (one progress, one cancel). */
function RenderAllButton() {
  const project = useProject();
  const batch = useEditor((s) => s.batch);
  const pending = useEditor((s) => s.pendingRenders);
  const farm = useEditor((s) => s.settings?.farm ?? null);
  const rendering = new Set(Object.values(pending).map((p) => p.segmentId));
  const n = undubbedSegments(project).filter((c) => !rendering.has(c.segmentId)).length;
  if (batch || project.segments.length === 0) return null;
  const title = farm ? `Render every segment that is not ready on the render farm ${redactFarmUrl(farm.redisUrl)} (Settings…)` : 'Render every segment that is not ready, one after the other';
  return (
    <button disabled={n === 0} onClick={() => void renderAllStale()} data-testid="render-all" data-farm={farm ? 'true' : 'false'} title={title}>
      {n ? `Render ${n} not ready${farm ? ' on the farm' : ''}` : 'All segments ready'}
    </button>
  );
}

/**
 * The playhead's timecode; type a timecode (HH:MM:SS:FF, or fewer fields from the right, or
 * +/- frames) or a frame number and press Enter to go there.
 */
function TimecodeField({ frame, fps, frameCount }: { frame: number; fps: number; frameCount: number }) {
  const [text, setText] = useState<string | null>(null);
  const go = () => {
    const f = text === null ? null : parseTimecode(text, fps, frame);
    setText(null);
    if (f === null) return toast('error', `“${text}” is not a timecode or frame number.`, 'Type HH:MM:SS:FF (e.g. 00:00:02:10), SS:FF, a frame number, or +/- frames.');
    playback.seekFrame(Math.max(0, Math.min(frameCount - 1, f)));
  };
  return (
    <input
      className="tc-field"
      data-testid="timecode-input"
      aria-label="Playhead timecode (type to jump)"
      value={text ?? formatTimecode(frame, fps)}
      onFocus={(e) => (setText(formatTimecode(frame, fps)), e.currentTarget.select())}
      onChange={(e) => setText(e.target.value)}
      onBlur={() => setText(null)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          go();
          (e.target as HTMLInputElement).blur();
        } else if (e.key === 'Escape') {
          setText(null);
          (e.target as HTMLInputElement).blur();
        }
      }}
    />
  );
}

/**
 * The timeline: thumbnail strip, the original dialogue lane (ruler, zoom, minimap, segments,
 * no-lip-sync ranges, the selected segment's reference) and one lane per dub track. Drag on the
 * original lane creates a segment (or picks a reference / no-lip-sync range in those modes).
 */
export function Timeline() {
  const project = useProject();
  const media = useEditor((s) => s.media);
  const selected = useEditor((s) => s.selectedSegmentId);
  const pickMode = useEditor((s) => s.pickMode);
  const inPoint = useEditor((s) => s.inPoint);
  const outPoint = useEditor((s) => s.outPoint);
  const frame = useEditor((s) => s.frame);
  const statuses = useSegmentStatuses();
  const video = project.video;

  const primaryRegions = useMemo<LaneRegion[]>(() => {
    if (!video) return [];
    const fps = video.fps;
    const editable = pickMode === null;
    const out: LaneRegion[] = project.segments.map((s) => ({
      id: `seg:${s.id}`,
      start: s.startFrame / fps,
      end: s.endFrame / fps,
      color: s.id === selected ? STATUS_COLORS[statuses[s.id]].replace(/[\d.]+\)$/, '0.75)') : STATUS_COLORS[statuses[s.id]],
      content: `${segmentName(project, s)} · ${statuses[s.id]}`,
      drag: editable,
      resize: editable,
    }));
    for (const p of project.protectedRanges) {
      out.push({ id: `keep:${p.id}`, start: p.startFrame / fps, end: p.endFrame / fps, color: 'rgba(140, 140, 140, 0.45)', content: p.label || 'No lip-sync', drag: false, resize: false });
    }
    const seg = project.segments.find((s) => s.id === selected);
    if (seg?.reference) {
      out.push({ id: 'ref', start: seg.reference.startFrame / fps, end: seg.reference.endFrame / fps, color: 'rgba(80, 160, 255, 0.28)', content: 'Lip-habit reference', drag: true, resize: true });
    }
    if (inPoint !== null && outPoint !== null && outPoint >= inPoint) {
      out.push({ id: 'inout', start: inPoint / fps, end: (outPoint + 1) / fps, color: 'rgba(255, 220, 80, 0.25)', content: 'In/Out', drag: false, resize: false });
    }
    return out;
  }, [project, video, selected, statuses, pickMode, inPoint, outPoint]);

  const mirrorRegions = useMemo<LaneRegion[]>(
    () => primaryRegions.filter((r) => r.id.startsWith('seg:') || r.id.startsWith('keep:')).map((r) => ({ ...r, drag: false, resize: false, content: '' })),
    [primaryRegions],
  );

  if (!video) {
    return (
      <div className="timeline empty" data-testid="timeline">
        Open a video to start (File ▸ Open video).
      </div>
    );
  }
  const fps = video.fps;
  const duration = video.duration;
  const original = media[video.path];
  const originalPeaks = original?.peaks ? placePeaks(original.peaks.peaks, original.peaks.peaksPerSecond, 0, duration) : [];

  const onRegionUpdate = (id: string, start: number, end: number) => {
    const s = nearestFrameBoundary(start, fps);
    const e = nearestFrameBoundary(end, fps);
    if (id.startsWith('seg:')) edit((p) => ops.setSegmentRange(p, id.slice(4), s, e));
    else if (id === 'ref' && selected) edit((p) => ops.setReference(p, selected, { startFrame: s, endFrame: e }, 'user'));
  };
  const onDragCreate = (start: number, end: number) => {
    const s = nearestFrameBoundary(start, fps);
    const e = Math.max(s + 1, nearestFrameBoundary(end, fps));
    const mode = useEditor.getState().pickMode;
    useEditor.setState({ pickMode: null });
    if (mode === 'reference' && selected) edit((p) => ops.setReference(p, selected, { startFrame: s, endFrame: e }, 'user'));
    else if (mode === 'protect') edit((p) => ops.addProtectedRange(p, s, e, newId('keep'), () => newId('seg')));
    else createSegment(s, e);
  };
  const onRegionClick = (id: string) => {
    if (id.startsWith('seg:')) selectSegment(id.slice(4));
  };

  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline-bar">
        <TimecodeField frame={frame} fps={fps} frameCount={video.frameCount} />
        <span className="timecode" data-testid="timecode">
          <small>frame {frame}</small>
        </span>
        <span className="inout timecode" data-testid="inout" title="In and out are inclusive: the out frame is part of the range (Shift+I / Shift+O go there, Alt+X clears)">
          In {inPoint === null ? '––:––:––:––' : formatTimecode(inPoint, fps)} · Out {outPoint === null ? '––:––:––:––' : formatTimecode(outPoint, fps)}
          {inPoint !== null && outPoint !== null && outPoint >= inPoint ? ` · ${outPoint - inPoint + 1} fr` : ''}
        </span>
        {pickMode && (
          <span className="pick-hint" data-testid="pick-hint">
            {pickMode === 'reference' ? 'Drag on the original lane to pick the lip-habit reference' : pickMode === 'protect' ? 'Drag to mark a no-lip-sync range' : 'Click a face on the preview'}
            <button onClick={() => useEditor.setState({ pickMode: null })}>Cancel</button>
          </span>
        )}
        <span className="spacer" />
        <BatchProgress />
        <RenderAllButton />
        <button onClick={() => useEditor.setState({ pickMode: 'protect' })} title="Drag on the original lane to mark a range that is never altered">
          No lip-sync…
        </button>
        <button onClick={() => laneGroup.zoomBy(0.5)} title="Zoom out">
          −
        </button>
        <button onClick={() => laneGroup.zoomBy(0)} title="Fit the clip">
          Fit
        </button>
        <button onClick={() => laneGroup.zoomBy(2)} title="Zoom in (or Ctrl+wheel on the waveform)">
          +
        </button>
      </div>
      <div className="lanes">
        <Playhead headWidth={LANE_HEAD_PX} />
        <div className="lane-row">
          <div className="lane-head">Timecode</div>
          <Ruler />
        </div>
        <div className="lane-row">
          <div className="lane-head">Frames</div>
          <ThumbStrip />
        </div>
        <div className="lane-row primary" data-testid="lane-original">
          <div className="lane-head">
            <b>Original dialogue</b>
            {original?.peaksError && <small className="warn">{original.peaksError.code === 'E_NO_AUDIO' ? 'no audio in the clip' : original.peaksError.message}</small>}
            {!original?.peaks && !original?.peaksError && <small>loading…</small>}
          </div>
          <WaveLane laneId="original" primary peaks={originalPeaks} duration={duration} color="#7c8aa5" height={64} regions={primaryRegions} onRegionUpdate={onRegionUpdate} onRegionClick={onRegionClick} onDragCreate={onDragCreate} />
        </div>
        {project.tracks.map((t) => {
          const m = media[t.path];
          const peaks = m?.peaks ? placePeaks(m.peaks.peaks, m.peaks.peaksPerSecond, t.offset, duration) : [];
          return (
            <div className="lane-row" key={t.id} data-testid={`lane-${t.id}`}>
              <div className="lane-head">
                <b title={t.path}>{t.name}</b>
                <label title="Where the track starts on the clip, seconds">
                  offset
                  <input
                    type="number"
                    step={0.04}
                    value={t.offset}
                    onChange={(e) => {
                      const v = Number(e.target.value);
                      if (Number.isFinite(v)) edit((p) => ops.updateTrack(p, t.id, { offset: v }), { coalesceKey: `offset:${t.id}` });
                    }}
                  />
                </label>
                <span className="lane-actions">
                  <button onClick={() => edit((p) => ops.updateTrack(p, t.id, { muted: !t.muted }))} title="Mute this track in the dubbed preview">
                    {t.muted ? 'Unmute' : 'Mute'}
                  </button>
                  <button onClick={() => void segmentsFromSpeech(t.id)} title="Create segments where this track has speech" data-testid={`speech-${t.id}`}>
                    Segments from speech
                  </button>
                </span>
                {m?.peaksError && <small className="warn">{m.peaksError.message}</small>}
              </div>
              <div className="dub-lane-col">
                <WaveLane laneId={`track:${t.id}`} peaks={peaks} duration={duration} color="#c08457" height={52} regions={mirrorRegions} onRegionClick={onRegionClick} />
                <LabialLane track={t} />
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
