import { useEffect, useRef } from 'react';
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin, { type Region } from 'wavesurfer.js/dist/plugins/regions.esm.js';
import ZoomPlugin from 'wavesurfer.js/dist/plugins/zoom.esm.js';
import MinimapPlugin from 'wavesurfer.js/dist/plugins/minimap.esm.js';
import { playback } from '../state/playback';
import { laneGroup } from '../lib/lane-group';

/** A region drawn on a lane (a segment, a no-lip-sync range, the reference range). Times in seconds. */
export interface LaneRegion {
  id: string;
  start: number;
  end: number;
  color: string;
  content: string;
  drag: boolean;
  resize: boolean;
}

export interface WaveLaneProps {
  laneId: string;
  /** Interleaved [max, min] peaks already placed on the clip timeline. */
  peaks: number[];
  /** Clip duration in seconds. */
  duration: number;
  color: string;
  height: number;
  /** The primary lane carries the Timeline ruler, the Minimap and wheel Zoom. */
  primary?: boolean;
  regions: LaneRegion[];
  onRegionUpdate?: (id: string, start: number, end: number) => void;
  onRegionClick?: (id: string) => void;
  /** Drag on empty waveform creates a range (seconds). */
  onDragCreate?: (start: number, end: number) => void;
}

/**
 * One waveform lane (wavesurfer.js v7) drawn from precomputed peaks: it never loads or decodes
 * audio. Its media element is a silent placeholder; playback is driven by the shared playhead
 * (`playback`), and every lane zooms and scrolls together (`laneGroup`).
 */
export function WaveLane(props: WaveLaneProps) {
  const ref = useRef<HTMLDivElement>(null);
  const wsRef = useRef<WaveSurfer | null>(null);
  const regionsRef = useRef<RegionsPlugin | null>(null);
  const ownIds = useRef(new Set<string>());
  const cb = useRef(props);
  cb.current = props;

  useEffect(() => {
    if (!ref.current) return;
    const regions = RegionsPlugin.create();
    const plugins = [regions] as Array<ReturnType<typeof RegionsPlugin.create> | ReturnType<typeof ZoomPlugin.create> | ReturnType<typeof MinimapPlugin.create>>;
    if (props.primary) {
      // The timecode ruler is the timeline's own (TimelineView.Ruler), above the frame strip.
      plugins.push(
        ZoomPlugin.create({ scale: 0.5, maxZoom: 4000 }),
        MinimapPlugin.create({ height: 22, waveColor: '#4b5563', progressColor: '#6b7280', cursorColor: '#ff5252', overlayColor: 'rgba(255,255,255,0.12)' }),
      );
    }
    const placeholder = document.createElement('audio');
    const ws = WaveSurfer.create({
      container: ref.current,
      height: props.height,
      waveColor: props.color,
      progressColor: props.color,
      // The playhead is drawn once over all lanes, above the segment tints (TimelineView.Playhead).
      cursorWidth: 0,
      media: placeholder,
      peaks: [props.peaks.length ? props.peaks : [0, 0]],
      duration: props.duration,
      interact: true,
      dragToSeek: !props.primary,
      autoScroll: true,
      autoCenter: false,
      hideScrollbar: !props.primary,
      minPxPerSec: laneGroup.pxPerSec,
      normalize: true,
      plugins,
    });
    ws.on('interaction', (t) => playback.seekTime(t));
    ws.on('zoom', (px) => laneGroup.zoomed(props.laneId, px));
    ws.on('scroll', (_s, _e, left) => laneGroup.scrolled(props.laneId, left));
    regions.on('region-updated', (r: Region) => {
      cb.current.onRegionUpdate?.(r.id, r.start, r.end);
      // Snap back to the model (frame boundaries, or the old place when the edit was refused).
      setTimeout(syncRegions, 50);
    });
    regions.on('region-clicked', (r: Region, e: MouseEvent) => {
      e.stopPropagation();
      cb.current.onRegionClick?.(r.id);
      playback.seekTime(r.start);
    });
    regions.on('region-created', (r: Region) => {
      if (ownIds.current.has(r.id)) return;
      // A drag on empty waveform: hand the range to the timeline and drop the temporary region.
      const { start, end } = r;
      r.remove();
      cb.current.onDragCreate?.(start, end);
    });
    if (props.onDragCreate) regions.enableDragSelection({ color: 'rgba(255,255,255,0.25)' }, 4);
    ws.on('ready', () => {
      ws.setTime(playback.time());
      syncRegions();
    });
    wsRef.current = ws;
    regionsRef.current = regions;
    laneGroup.add(props.laneId, ws);
    return () => {
      laneGroup.remove(props.laneId);
      wsRef.current = null;
      regionsRef.current = null;
      ownIds.current.clear();
      ws.destroy();
    };
    // The lane is rebuilt only when its identity changes; data updates are applied below.
  }, [props.laneId, props.primary]);

  useEffect(() => {
    const ws = wsRef.current;
    if (!ws) return;
    void ws.load('', [props.peaks.length ? props.peaks : [0, 0]], props.duration).catch(() => {});
  }, [props.peaks, props.duration]);

  function syncRegions(): void {
    const plugin = regionsRef.current;
    const ws = wsRef.current;
    if (!plugin || !ws || !ws.getDuration()) return;
    const wanted = new Map(cb.current.regions.map((r) => [r.id, r]));
    for (const r of plugin.getRegions()) {
      const w = wanted.get(r.id);
      if (!w) {
        ownIds.current.delete(r.id);
        r.remove();
        continue;
      }
      if (Math.abs(r.start - w.start) > 1e-4 || Math.abs(r.end - w.end) > 1e-4 || r.color !== w.color || r.drag !== w.drag || r.resize !== w.resize) {
        r.setOptions({ start: w.start, end: w.end, color: w.color, drag: w.drag, resize: w.resize });
      }
      const el = r.content as HTMLElement | undefined;
      if (el?.textContent !== w.content) r.setContent(makeLabel(w.content));
      wanted.delete(r.id);
    }
    for (const w of wanted.values()) {
      ownIds.current.add(w.id);
      const region = plugin.addRegion({ id: w.id, start: w.start, end: w.end, color: w.color, drag: w.drag, resize: w.resize, content: makeLabel(w.content), minLength: 0.04 });
      region.element?.setAttribute('data-region', w.id);
    }
  }

  useEffect(syncRegions, [props.regions]);

  return <div className="wave-lane" data-lane={props.laneId} ref={ref} />;
}

function makeLabel(text: string): HTMLElement {
  // Regions live in wavesurfer's shadow DOM, so the label is styled inline.
  const el = document.createElement('div');
  el.className = 'region-label';
  el.style.cssText = 'font: 11px system-ui, sans-serif; color: #fff; padding: 2px 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; pointer-events: none; text-shadow: 0 1px 2px #000;';
  el.textContent = text;
  return el;
}
