import { useEffect, useRef, useState } from 'react';
import { readyTake } from '../../../shared/project/render-key';
import { segmentAt } from '../../../shared/project/segments';
import type { Take } from '../../../shared/project/schema';
import { formatTimecode } from '../../../shared/time';
import { updateLoop } from '../state/actions';
import { playback } from '../state/playback';
import { useEditor, useProject, type PreviewMode } from '../state/store';
import { basename, takeFile } from '../lib/paths';
import { segmentName, takeName } from '../../../shared/project/names';
import { MaskOverlay } from './MaskOverlay';

/** A video element that follows the playhead as a take (dubbed frames of one segment). */
function TakeVideo({ slot, url, startSec, endSec, visible, testId, lock = false }: { slot: string; url: string; startSec: number; endSec: number; visible: boolean; testId: string; lock?: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    playback.attachTake(slot, ref.current, startSec, endSec, lock);
    return () => playback.attachTake(slot, null);
  }, [slot, url, startSec, endSec, lock]);
  return <video ref={ref} className="media take" src={url} muted playsInline preload="auto" data-testid={testId} data-clip-start={startSec} style={{ visibility: visible ? 'visible' : 'hidden' }} />;
}

/**
 * The dub mix of the project's tracks over the clip's picture (one file: the dubbed views' clock
 * carries the dub sound itself). Null until it is ready, or when there is nothing to mix.
 */
function useDubMix(videoPath: string | null, enabled: boolean): string | null {
  const api = useEditor((s) => s.api);
  const tracks = useProject().tracks;
  const [mix, setMix] = useState<{ key: string; path: string } | null>(null);
  const key = videoPath && enabled && tracks.length ? JSON.stringify([videoPath, tracks.map((t) => [t.path, t.offset, t.muted])]) : null;
  useEffect(() => {
    if (!key || !api || !videoPath) return;
    let cancelled = false;
    // Debounced: typing an offset must not start one mix per keystroke.
    const timer = setTimeout(() => {
      api
        .call('media.dubMix', { video: videoPath, tracks: tracks.map((t) => ({ path: t.path, offset: t.offset, muted: t.muted })) })
        .then((r) => !cancelled && setMix({ key, path: r.path }))
        .catch(() => !cancelled && setMix(null));
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key, api]);
  return mix && mix.key === key ? mix.path : null;
}

/**
 * The latest crop of a render in flight for segment `segmentId`, drawn at its full-frame rect over
 * the video (same letterboxing as the video: an SVG with the frame's viewBox). The final take
 * replaces it when the job finishes.
 */
function RenderPreviewOverlay({ width, height, segmentId }: { width: number; height: number; segmentId: string | null }) {
  const previews = useEditor((s) => s.renderPreviews);
  const list = Object.values(previews).filter((p) => segmentId === null || p.segmentId === segmentId);
  const p = list[list.length - 1];
  if (!p) return null;
  return (
    <svg className="media render-preview" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="xMidYMid meet" style={{ pointerEvents: 'none' }} data-testid="render-preview" data-frame={p.frame}>
      <image
        href={p.image}
        x={p.rect.x}
        y={p.rect.y}
        width={p.rect.w}
        height={p.rect.h}
        preserveAspectRatio="none"
        onLoad={() => useEditor.setState((s) => ({ previewFramesDrawn: s.previewFramesDrawn + 1 }))}
      />
      <rect x={p.rect.x} y={p.rect.y} width={p.rect.w} height={p.rect.h} fill="none" stroke="#f5a623" strokeWidth={Math.max(1, width / 400)} strokeDasharray="6 4" />
    </svg>
  );
}

/** A muted copy of the original that follows the playhead (right pane of side-by-side). */
function MirrorVideo({ url }: { url: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    playback.attachTake('mirror', ref.current, 0, Number.POSITIVE_INFINITY);
    return () => playback.attachTake('mirror', null);
  }, [url]);
  return <video ref={ref} className="media" src={url} muted playsInline preload="auto" />;
}

/** Dub-track audio elements, played in sync when the dubbed audio is heard. */
function DubAudio() {
  const project = useProject();
  const api = useEditor((s) => s.api);
  return (
    <>
      {project.tracks.map((t) => (
        <audio
          key={t.id}
          data-track={t.id}
          data-clip-start={t.offset}
          preload="auto"
          src={api?.mediaUrl(t.path)}
          ref={(el) => {
            playback.setDubTrack(t.id, el, t.offset, t.muted);
          }}
        />
      ))}
    </>
  );
}

const MODES: Array<{ id: PreviewMode; label: string; title: string }> = [
  { id: 'original', label: 'A · Original', title: 'Original frames and original audio' },
  { id: 'dubbed', label: 'B · Dubbed', title: 'Ready takes over the original, dubbed audio (A toggles)' },
  { id: 'side-by-side', label: 'Side by side', title: 'Original (or a take to compare) left, dubbed right' },
];

/**
 * The video preview: original video (the playback clock, frame-accurate seeking), the dubbed
 * view (the active take of a ready segment over the original, with the dub audio), side-by-side
 * comparison, and the mask/face overlay.
 */
export function Preview() {
  const project = useProject();
  const api = useEditor((s) => s.api);
  const info = useEditor((s) => s.info);
  const media = useEditor((s) => s.media);
  const frame = useEditor((s) => s.frame);
  const playing = useEditor((s) => s.playing);
  const mode = useEditor((s) => s.previewMode);
  const loop = useEditor((s) => s.loop);
  const selectedId = useEditor((s) => s.selectedSegmentId);
  const compareTakeId = useEditor((s) => s.compareTakeId);
  const videoRef = useRef<HTMLVideoElement>(null);
  const video = project.video;

  useEffect(() => {
    playback.attachVideo(videoRef.current);
  });
  useEffect(() => {
    playback.setAudio(mode === 'original' ? 'original' : 'dub');
  }, [mode]);
  const previewPathEarly = video ? (media[video.path]?.info?.previewPath ?? video.path) : null;
  const mixPath = useDubMix(previewPathEarly, mode !== 'original');
  const useMix = mode !== 'original' && !!mixPath;
  useEffect(() => {
    playback.setMixActive(useMix);
  }, [useMix]);

  if (!video || !api) {
    return (
      <div className="preview empty" data-testid="preview">
        <p>No video yet.</p>
        <p>
          Use <b>Open video</b>, then <b>Add dub track</b>.
        </p>
      </div>
    );
  }
  const previewPath = media[video.path]?.info?.previewPath ?? video.path;
  const url = api.mediaUrl(previewPath);
  const clockUrl = useMix && mixPath ? api.mediaUrl(mixPath) : url;
  const fps = video.fps;
  const selected = project.segments.find((s) => s.id === selectedId);
  const here = segmentAt(project, frame) ?? selected;
  const take: Take | null = here ? readyTake(project, here) : null;
  const takeUrl = take && info ? api.mediaUrl(takeFile(info.cacheDir, take.cacheKey)) : null;
  const inTake = !!here && !!take && frame >= here.startFrame && frame < here.endFrame;
  const compare = selected && compareTakeId ? selected.takes.find((t) => t.id === compareTakeId) : undefined;
  const compareUrl = compare && info ? api.mediaUrl(takeFile(info.cacheDir, compare.cacheKey)) : null;
  const clipName = basename(video.path);
  const inSelected = !!selected && frame >= selected.startFrame && frame < selected.endFrame;

  return (
    <div className={`preview mode-${mode}`} data-testid="preview">
      <div className="preview-bar">
        <div className="seg-buttons" role="group" aria-label="Preview mode">
          {MODES.map((m) => (
            <button key={m.id} className={mode === m.id ? 'on' : ''} title={m.title} onClick={() => useEditor.setState({ previewMode: m.id })} data-testid={`mode-${m.id}`}>
              {m.label}
            </button>
          ))}
        </div>
        <span className="spacer" />
        <button onClick={() => playback.step(-1)} title="Previous frame (←)">
          ◀︎|
        </button>
        <button onClick={() => playback.toggle()} title="Play / pause (Space)" data-testid="play">
          {playing ? 'Pause' : 'Play'}
        </button>
        <button onClick={() => playback.step(1)} title="Next frame (→)">
          |▶︎
        </button>
        <label title="Loop the selected segment (Shift+L)">
          <input
            type="checkbox"
            checked={loop}
            onChange={(e) => {
              useEditor.setState({ loop: e.target.checked });
              updateLoop();
            }}
          />
          Loop segment
        </label>
        <span className="timecode">{formatTimecode(frame, fps)}</span>
      </div>
      <div className="stage">
        <div className="pane" data-testid="pane-a">
          <video ref={videoRef} className="media" src={clockUrl} playsInline preload="auto" data-testid="video-original" data-clip-start={0} data-source={useMix ? 'dub-mix' : 'clip'} />
          {mode === 'dubbed' && takeUrl && here && <TakeVideo slot="active" url={takeUrl} startSec={here.startFrame / fps} endSec={here.endFrame / fps} visible={inTake} testId="video-take" lock />}
          {mode === 'side-by-side' && compareUrl && selected && <TakeVideo slot="compare" url={compareUrl} startSec={selected.startFrame / fps} endSec={selected.endFrame / fps} visible={inSelected} testId="video-compare" />}
          <RenderPreviewOverlay width={video.width} height={video.height} segmentId={null} />
          <MaskOverlay width={video.width} height={video.height} />
          <div className="pane-label">{mode === 'dubbed' ? (inTake && here && take ? `Dubbed · ${segmentName(project, here)} · ${takeName(here, take)}` : `Original (no ready take here) · ${clipName}`) : mode === 'side-by-side' && compare && selected ? `${takeName(selected, compare)} · ${segmentName(project, selected)}` : `Original · ${clipName}`}</div>
        </div>
        {mode === 'side-by-side' && (
          <div className="pane" data-testid="pane-b">
            <MirrorVideo url={url} />
            {takeUrl && here && <TakeVideo slot="active" url={takeUrl} startSec={here.startFrame / fps} endSec={here.endFrame / fps} visible={inTake} testId="video-take" />}
            <div className="pane-label">{inTake && here && take ? `Dubbed · ${segmentName(project, here)} · ${takeName(here, take)}` : 'Dubbed: original here (segment not ready)'}</div>
          </div>
        )}
      </div>
      <DubAudio />
    </div>
  );
}
