import { useEffect, useRef, useState } from 'react';
import { formatTimecode } from '../../../shared/time';
import { laneGroup } from '../lib/lane-group';
import { playback } from '../state/playback';
import { useEditor, useProject } from '../state/store';

/**
 * The parts of the timeline drawn by the editor itself on the lanes' time axis (laneGroup: zoom in
 * pixels per second and scroll): the timecode ruler, the frame strip and the playhead.
 */

/** Re-renders on zoom and scroll of the lanes. */
export function useLaneView(): { pps: number; left: number; width: number } {
  const [, force] = useState(0);
  useEffect(() => laneGroup.subscribe(() => force((n) => n + 1)), []);
  return { pps: laneGroup.effectivePxPerSec(), left: laneGroup.scrollLeft, width: laneGroup.viewWidth() };
}

/** Label spacing candidates, in frames (then whole seconds for the given rate). */
function labelStepFrames(fps: number, pxPerFrame: number, minPx: number): number {
  const nominal = Math.max(1, Math.round(fps));
  const steps = [1, 2, 5, 10, nominal, 2 * nominal, 5 * nominal, 10 * nominal, 30 * nominal, 60 * nominal, 120 * nominal, 300 * nominal, 600 * nominal, 1800 * nominal, 3600 * nominal];
  return steps.find((s) => s * pxPerFrame >= minPx) ?? steps[steps.length - 1];
}

/** Room a timecode label needs; a label that would be cut at the right edge is left out. */
const RULER_LABEL_PX = 78;

/**
 * Timecode ruler: HH:MM:SS:FF labels at a spacing that keeps them readable at any zoom (down to
 * every frame), ticks between them (every frame when frames are wide enough). Drag on it scrubs.
 */
export function Ruler() {
  const video = useProject().video;
  const { pps, left, width } = useLaneView();
  const ref = useRef<HTMLDivElement>(null);
  const scrubbing = useRef(false);
  if (!video || !pps || !width) return <div className="ruler" data-testid="ruler" />;
  const fps = video.fps;
  const pxPerFrame = pps / fps;
  const step = labelStepFrames(fps, pxPerFrame, 96);
  const minor = pxPerFrame >= 6 ? 1 : step % 5 === 0 ? step / 5 : step;
  const first = Math.max(0, Math.floor(left / pxPerFrame / minor) * minor);
  const last = Math.min(video.frameCount, Math.ceil((left + width) / pxPerFrame));
  const ticks: Array<{ f: number; major: boolean }> = [];
  for (let f = first; f <= last && ticks.length < 2000; f += minor) ticks.push({ f, major: f % step === 0 });
  const seekAt = (clientX: number) => {
    const box = ref.current!.getBoundingClientRect();
    const t = (clientX - box.left + laneGroup.scrollLeft) / laneGroup.effectivePxPerSec();
    playback.seekFrame(Math.floor(t * fps));
  };
  return (
    <div
      className="ruler"
      data-testid="ruler"
      ref={ref}
      onPointerDown={(e) => {
        scrubbing.current = true;
        (e.target as HTMLElement).setPointerCapture?.(e.pointerId);
        seekAt(e.clientX);
      }}
      onPointerMove={(e) => scrubbing.current && seekAt(e.clientX)}
      onPointerUp={() => (scrubbing.current = false)}
      title="Drag to scrub"
    >
      {ticks.map(({ f, major }) => (
        <div key={f} className={`tick ${major ? 'major' : ''}`} style={{ left: f * pxPerFrame - left }}>
          {major && f * pxPerFrame - left >= 0 && f * pxPerFrame - left + RULER_LABEL_PX <= width && <span className="tc-label" data-testid="ruler-label">{formatTimecode(f, fps)}</span>}
        </div>
      ))}
    </div>
  );
}

/** Frame images already fetched (`path|frame|height` -> media path). */
const frameImages = new Map<string, string>();

/**
 * The frame strip. Each tile shows the first frame of the frames it spans, so the tile under the
 * playhead shows the frame at the playhead as soon as frames are wider than a thumbnail. Tiles
 * come from the clip's thumbnail sprite while it is fine enough, else from single frame images
 * (fetched for the visible tiles only, cached).
 */
export function ThumbStrip() {
  const thumbs = useEditor((s) => s.thumbs);
  const api = useEditor((s) => s.api);
  const video = useProject().video;
  const { pps, left, width } = useLaneView();
  const [, setLoaded] = useState(0);
  const fps = video?.fps ?? 25;
  const pxPerFrame = pps / fps;
  const tileW = thumbs?.tileWidth ?? 48;
  const perTile = pxPerFrame > 0 ? Math.max(1, Math.ceil(tileW / pxPerFrame)) : 1;
  const spriteFrames = thumbs && video ? video.frameCount / thumbs.count : Infinity;
  const useFrames = !!video && perTile < spriteFrames;
  const first = pxPerFrame > 0 ? Math.max(0, Math.floor(left / pxPerFrame / perTile) * perTile) : 0;
  const last = video && pxPerFrame > 0 ? Math.min(video.frameCount - 1, Math.ceil((left + width) / pxPerFrame)) : -1;
  const tiles: number[] = [];
  for (let f = first; f <= last && tiles.length < 400; f += perTile) tiles.push(f);
  const wanted = useFrames ? tiles.filter((f) => !frameImages.has(`${video!.path}|${f}|48`)) : [];
  const wantedKey = wanted.join(',');
  useEffect(() => {
    if (!api || !video || wanted.length === 0) return;
    let cancelled = false;
    const timer = setTimeout(async () => {
      for (const f of wanted) {
        if (cancelled) return;
        const key = `${video.path}|${f}|48`;
        if (frameImages.has(key)) continue;
        try {
          const r = await api.call('media.frameImage', { path: video.path, frame: f, height: 48 });
          frameImages.set(key, r.image);
          if (!cancelled) setLoaded((n) => n + 1);
        } catch {
          return;
        }
      }
    }, 120);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [wantedKey, api, video?.path]);
  if (!thumbs || !api || !video || !pps) return <div className="thumb-strip empty" />;
  const sprite = api.mediaUrl(thumbs.sprite);
  return (
    <div className="thumb-strip" data-testid="thumb-strip" data-per-tile={perTile}>
      {tiles.map((f) => {
        const x = f * pxPerFrame - left;
        const w = Math.max(1, perTile * pxPerFrame - 1);
        const img = useFrames ? frameImages.get(`${video.path}|${f}|48`) : undefined;
        const si = Math.min(thumbs.count - 1, Math.floor(f / spriteFrames));
        const style: React.CSSProperties = img
          ? { left: x, width: w, backgroundImage: `url("${api.mediaUrl(img)}")`, backgroundPosition: '0 0', backgroundSize: 'auto 100%' }
          : { left: x, width: w, backgroundImage: `url("${sprite}")`, backgroundPosition: `${-si * thumbs.tileWidth}px 0`, backgroundSize: 'auto 100%' };
        // A frame image repeats across its slot (no black gaps when frames are wider than a
        // thumbnail); a sprite tile is never wider than one tile (no neighbouring frames in it).
        return <div key={f} className="thumb" style={{ ...style, ...(img ? { backgroundRepeat: 'repeat-x' } : { maxWidth: thumbs.tileWidth }) }} data-frame={f} data-frames={perTile} data-source={img ? 'frame' : 'sprite'} />;
      })}
    </div>
  );
}

/** The playhead across all lanes, at the left edge of the current frame, above segment tints. */
export function Playhead({ headWidth }: { headWidth: number }) {
  const frame = useEditor((s) => s.frame);
  const video = useProject().video;
  const { pps, left, width } = useLaneView();
  if (!video || !pps) return null;
  const x = (frame / video.fps) * pps - left;
  if (x < -1 || x > width + 1) return null;
  return <div className="playhead" data-testid="playhead" data-frame={frame} style={{ left: headWidth + x }} />;
}
