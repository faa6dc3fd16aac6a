import { clamp, secToFrame, seekTimeForFrame } from '../../../shared/time';

type Listener = (frame: number, playing: boolean) => void;

/**
 * Owns playback: the original video element is the clock; dub-track audio elements and the take
 * video (dubbed view) follow it. Seeking is frame-accurate: a frame is shown by seeking to the
 * middle of its display interval. J/K/L shuttle: forward rates use playbackRate, reverse steps
 * the video back on a timer (browsers cannot play backwards).
 */
export class Playback {
  private video: HTMLVideoElement | null = null;
  private takes = new Map<string, { el: HTMLVideoElement; startSec: number; endSec: number }>();
  private dubs = new Map<string, { el: HTMLAudioElement; offset: number; muted: boolean }>();
  private listeners = new Set<Listener>();
  private raf = 0;
  private reverseTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrame = -1;
  /** Frames per second and length (seconds) of the clip. */
  fps = 25;
  duration = 0;
  frameCount = 0;
  /** Shuttle speed: 0 stopped, >0 forward, <0 reverse. */
  shuttleRate = 0;
  /** Loop range in seconds [start, end) while playing, or null. */
  loop: { start: number; end: number } | null = null;
  /** Which audio is heard: the clip's own, or the dub tracks. */
  audio: 'original' | 'dub' = 'original';

  setClip(fps: number, frameCount: number): void {
    this.fps = fps;
    this.frameCount = frameCount;
    this.duration = frameCount / fps;
  }

  attachVideo(el: HTMLVideoElement | null): void {
    if (this.video === el) return;
    this.video = el;
    if (el) {
      el.addEventListener('seeked', () => this.emit(true));
      el.addEventListener('pause', () => this.emit(true));
      el.addEventListener('ended', () => this.stopShuttle());
      this.applyMute();
    }
  }

  /**
   * A video that follows the clock: a take shown in the dubbed view (placed at [startSec, endSec)
   * on the clip timeline), or a muted mirror of the original (startSec 0, endSec Infinity).
   */
  attachTake(key: string, el: HTMLVideoElement | null, startSec = 0, endSec = 0): void {
    if (!el) {
      this.takes.delete(key);
      return;
    }
    this.takes.set(key, { el, startSec, endSec });
    el.muted = true;
    this.syncFollowers(true);
  }

  setDubTrack(id: string, el: HTMLAudioElement | null, offset: number, muted: boolean): void {
    if (!el) {
      this.dubs.delete(id);
      return;
    }
    this.dubs.set(id, { el, offset, muted });
    this.applyMute();
    this.syncFollowers(true);
  }

  setAudio(source: 'original' | 'dub'): void {
    this.audio = source;
    this.applyMute();
  }

  private applyMute(): void {
    if (this.video) this.video.muted = this.audio !== 'original';
    for (const d of this.dubs.values()) d.el.muted = this.audio !== 'dub' || d.muted;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  time(): number {
    return this.video?.currentTime ?? 0;
  }

  frame(): number {
    return clamp(secToFrame(this.time(), this.fps), 0, Math.max(0, this.frameCount - 1));
  }

  isPlaying(): boolean {
    return this.shuttleRate !== 0;
  }

  private emit(force = false): void {
    const f = this.frame();
    if (!force && f === this.lastFrame) return;
    this.lastFrame = f;
    for (const l of this.listeners) l(f, this.isPlaying());
  }

  seekFrame(frame: number): void {
    if (!this.video || this.frameCount === 0) return;
    const f = clamp(Math.round(frame), 0, this.frameCount - 1);
    this.video.currentTime = seekTimeForFrame(f, this.fps);
    this.syncFollowers(true);
    this.lastFrame = f;
    for (const l of this.listeners) l(f, this.isPlaying());
  }

  seekTime(sec: number): void {
    this.seekFrame(secToFrame(sec, this.fps));
  }

  step(frames: number): void {
    if (this.isPlaying()) this.stopShuttle();
    this.seekFrame(this.frame() + frames);
  }

  play(): void {
    this.shuttle(1, true);
  }

  pause(): void {
    this.stopShuttle();
  }

  toggle(): void {
    if (this.isPlaying()) this.stopShuttle();
    else this.play();
  }

  /**
   * J/K/L: dir 1 (L) plays forward at 1x, then 2x, 4x, 8x on repeated presses; -1 (J) the same
   * backwards; 0 (K) stops. `reset` starts at 1x regardless of the current speed.
   */
  shuttle(dir: -1 | 0 | 1, reset = false): void {
    if (!this.video) return;
    if (dir === 0) return this.stopShuttle();
    const same = Math.sign(this.shuttleRate) === dir;
    const speed = !reset && same ? Math.min(8, Math.abs(this.shuttleRate) * 2) : 1;
    this.clearReverse();
    this.shuttleRate = dir * speed;
    if (dir > 0) {
      if (this.frame() >= this.frameCount - 1 && !this.loop) this.seekFrame(0);
      this.video.playbackRate = speed;
      void this.video.play().catch(() => this.stopShuttle());
      for (const d of this.dubs.values()) d.el.playbackRate = speed;
    } else {
      this.video.pause();
      const stepMs = 40;
      this.reverseTimer = setInterval(() => {
        const t = this.time() - (speed * stepMs) / 1000;
        if (t <= 0) {
          this.seekFrame(0);
          this.stopShuttle();
        } else this.seekTime(t);
      }, stepMs);
    }
    this.startLoop();
    this.emit(true);
  }

  private clearReverse(): void {
    if (this.reverseTimer) clearInterval(this.reverseTimer);
    this.reverseTimer = null;
  }

  private stopShuttle(): void {
    this.clearReverse();
    this.shuttleRate = 0;
    this.video?.pause();
    if (this.video) this.video.playbackRate = 1;
    for (const d of this.dubs.values()) {
      d.el.pause();
      d.el.playbackRate = 1;
    }
    for (const t of this.takes.values()) t.el.pause();
    cancelAnimationFrame(this.raf);
    this.syncFollowers(true);
    this.emit(true);
  }

  private startLoop(): void {
    cancelAnimationFrame(this.raf);
    const tick = () => {
      if (!this.isPlaying()) return;
      const t = this.time();
      if (this.loop && this.shuttleRate > 0 && (t >= this.loop.end || t < this.loop.start - 0.5)) {
        this.video!.currentTime = this.loop.start + 0.5 / this.fps;
        this.syncFollowers(true);
      }
      this.syncFollowers(false);
      this.emit();
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  /** Keeps dub audio and the take video within 80 ms of the clock (hard sync when `force`). */
  private syncFollowers(force: boolean): void {
    const t = this.time();
    const playing = this.shuttleRate > 0;
    for (const d of this.dubs.values()) follow(d.el, t - d.offset, playing, force);
    for (const tk of this.takes.values()) {
      const inside = t >= tk.startSec && t < tk.endSec;
      const local = Math.max(0, Math.min(t - tk.startSec, tk.endSec - tk.startSec - 0.5 / this.fps));
      follow(tk.el, local, playing && inside, force);
    }
  }

  dispose(): void {
    this.stopShuttle();
    this.listeners.clear();
  }
}

function follow(el: HTMLMediaElement, target: number, playing: boolean, force: boolean): void {
  const dur = Number.isFinite(el.duration) ? el.duration : Infinity;
  if (target < 0 || target >= dur) {
    if (!el.paused) el.pause();
    return;
  }
  if (force || Math.abs(el.currentTime - target) > 0.08) {
    try {
      el.currentTime = target;
    } catch {
      // not loaded yet
    }
  }
  if (playing && el.paused) void el.play().catch(() => {});
  if (!playing && !el.paused) el.pause();
}

/** The one playback controller of the window. */
export const playback = new Playback();
