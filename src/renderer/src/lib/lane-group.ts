import type WaveSurfer from 'wavesurfer.js';
import { playback } from '../state/playback';

/**
 * Keeps all waveform lanes on one time axis: zooming or scrolling any lane applies to the
 * others, and the shared playhead moves every lane's cursor. Also tells the thumbnail strip
 * where the visible window is.
 */
class LaneGroup {
  /** Zoom in pixels per second (0 = fit the clip to the width). */
  pxPerSec = 0;
  scrollLeft = 0;
  private lanes = new Map<string, WaveSurfer>();
  private syncing = false;
  private listeners = new Set<() => void>();

  constructor() {
    // Lanes show the playhead at the start of the current frame (the frame's left edge, where
    // its segment boundaries lie), not at the mid-frame seek time.
    playback.subscribe((frame) => this.setTime(frame / (playback.fps || 25)));
  }

  /** Width of the visible part of the lanes, pixels. */
  viewWidth(): number {
    const first = this.lanes.values().next().value as WaveSurfer | undefined;
    return first ? first.getWidth() : 0;
  }

  /** Scrolls every lane so that clip time `t` is in the middle of the view (when zoomed). */
  centerOn(t: number): void {
    const pps = this.effectivePxPerSec();
    const first = this.lanes.values().next().value as WaveSurfer | undefined;
    if (!first || !pps) return;
    const max = Math.max(0, first.getWrapper().scrollWidth - first.getWidth());
    const left = Math.max(0, Math.min(max, t * pps - first.getWidth() / 2));
    this.scrollLeft = left;
    this.syncing = true;
    for (const ws of this.lanes.values()) ws.setScroll(left);
    this.syncing = false;
    this.notify();
  }

  add(id: string, ws: WaveSurfer): void {
    this.lanes.set(id, ws);
    ws.on('redraw', () => this.notify());
  }

  remove(id: string): void {
    this.lanes.delete(id);
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  zoomed(id: string, px: number): void {
    if (this.syncing) return;
    this.pxPerSec = px;
    this.syncing = true;
    for (const [other, ws] of this.lanes) {
      if (other === id) continue;
      try {
        ws.zoom(px);
      } catch {
        // lane not loaded yet; it picks up pxPerSec when created
      }
    }
    this.syncing = false;
    this.notify();
  }

  scrolled(id: string, left: number): void {
    if (this.syncing) return;
    this.scrollLeft = left;
    this.syncing = true;
    for (const [other, ws] of this.lanes) if (other !== id) ws.setScroll(left);
    this.syncing = false;
    this.notify();
  }

  /** Multiplies the zoom (pixels per second) by `factor`, or fits the clip with factor 0. */
  zoomBy(factor: number): void {
    const first = this.lanes.values().next().value as WaveSurfer | undefined;
    if (!first || !first.getDuration()) return;
    const fit = first.getWidth() / first.getDuration();
    const current = this.effectivePxPerSec();
    const next = factor === 0 ? 0 : Math.min(4000, Math.max(fit, current * factor));
    this.pxPerSec = next;
    this.syncing = true;
    for (const ws of this.lanes.values()) {
      try {
        ws.zoom(next);
      } catch {
        // not loaded
      }
    }
    this.syncing = false;
    // Zoom around the playhead (as NLEs do): it stays in view (again once the lanes re-rendered).
    const t = playback.frame() / (playback.fps || 25);
    this.centerOn(t);
    requestAnimationFrame(() => this.centerOn(t));
  }

  /** Pixels per second actually drawn (the fit zoom when pxPerSec is 0). */
  effectivePxPerSec(): number {
    const first = this.lanes.values().next().value as WaveSurfer | undefined;
    if (!first || !first.getDuration()) return 0;
    return first.getWrapper().scrollWidth / first.getDuration();
  }

  setTime(t: number): void {
    for (const ws of this.lanes.values()) {
      if (ws.getDuration()) ws.setTime(Math.min(t, ws.getDuration()));
    }
  }
}

export const laneGroup = new LaneGroup();
