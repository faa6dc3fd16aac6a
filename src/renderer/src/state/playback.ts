import { clamp, secToFrame, seekTimeForFrame } from '../../../shared/time';

type Listener = (frame: number, playing: boolean) => void;

interface Follower {
  el: HTMLVideoElement;
  startSec: number;
  endSec: number;
  /**
   * A locked take (the dubbed view): its picture and its own muxed dub audio are one file, and
   * while playback is inside it the take itself is the clock (the clip video waits at the take's
   * end). Picture and sound therefore never come from two elements that could drift apart.
   */
  lock: boolean;
}

/**
 * Owns playback. The clock is one media element at a time, and in the dubbed view the element
 * that is seen is also the one that is heard:
 *  - the clip video (`attachVideo`), which in the dubbed views plays the dub mix (the clip's
 *    picture with the dub tracks muxed in, see `setMixActive`), so outside takes its picture and
 *    the dub sound come from one file;
 *  - inside a ready take in the dubbed view, the take (picture + its muxed dub audio) drives the
 *    clock, and hands it back to the clip video at its end.
 * Followers (a mirror of the clip, takes shown for comparison, dub-track audio when no mix is
 * available) are kept within 80 ms. Seeking is frame-accurate (the middle of the frame's display
 * interval). J/K/L shuttle: forward rates use playbackRate; reverse seeks backwards in wall-clock
 * time (browsers cannot play backwards), skipping frames when seeks are slower than the rate.
 */
export class Playback {
  private video: HTMLVideoElement | null = null;
  private takes = new Map<string, Follower>();
  private dubs = new Map<string, { el: HTMLAudioElement; offset: number; muted: boolean }>();
  private listeners = new Set<Listener>();
  private raf = 0;
  private reverse: { t0: number; wall0: number } | null = null;
  private lastFrame = -1;
  /** The locked take that is the clock right now (dubbed playback inside a take), or null. */
  private master: Follower | null = null;
  /** The clip video plays the dub mix (picture + dub audio in one file). */
  private mixActive = false;
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
      el.addEventListener('ended', () => {
        if (!this.master) this.stopShuttle();
      });
      // A new source (the dub mix in the dubbed views, the clip in the original view) starts at
      // 0: put it back on the frame the editor is on.
      el.addEventListener('loadedmetadata', () => {
        if (this.master) el.currentTime = Math.min(this.duration, this.master.endSec + 0.01 / this.fps);
        else if (this.lastFrame > 0) el.currentTime = seekTimeForFrame(this.lastFrame, this.fps);
        // Switched views while playing forward: keep playing.
        if (!this.master && this.shuttleRate > 0 && !this.reverse) void el.play().catch(() => this.stopShuttle());
      });
      this.applyMute();
    }
  }

  /**
   * A video that follows the clock: a take shown in the dubbed view (placed at [startSec, endSec)
   * on the clip timeline; `lock` when it is the dubbed view's own take, see `Follower.lock`), or
   * a muted mirror of the original (startSec 0, endSec Infinity).
   */
  attachTake(key: string, el: HTMLVideoElement | null, startSec = 0, endSec = 0, lock = false): void {
    const old = this.takes.get(key);
    if (!el) {
      if (old && this.master === old) this.releaseMaster(false);
      this.takes.delete(key);
      return;
    }
    if (old && this.master === old) this.releaseMaster(false);
    this.takes.set(key, { el, startSec, endSec, lock });
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

  /** The clip video's source is the dub mix (dubbed views): it carries the dub sound itself. */
  setMixActive(on: boolean): void {
    this.mixActive = on;
    this.applyMute();
  }

  private applyMute(): void {
    const dubSound = this.audio === 'dub';
    if (this.video) this.video.muted = dubSound && !this.mixActive;
    for (const d of this.dubs.values()) d.el.muted = !dubSound || this.mixActive || d.muted || !!this.master;
    for (const t of this.takes.values()) t.el.muted = !(t.lock && t === this.master && dubSound);
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Clock time in clip seconds: the take's while a locked take plays, else the clip video's. */
  time(): number {
    if (this.master) return this.master.startSec + this.master.el.currentTime;
    // Reverse shuttle: the clock runs backwards in wall-clock time; the picture follows as its
    // seeks land (frames are dropped when seeking is slower than the speed, time is not).
    if (this.reverse) return Math.max(0, this.reverseTarget());
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
    if (this.master) this.releaseMaster(false);
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
    const from = this.time();
    if (this.reverse && dir > 0) this.video.currentTime = seekTimeForFrame(secToFrame(from, this.fps), this.fps);
    this.reverse = null;
    this.shuttleRate = dir * speed;
    if (dir > 0) {
      if (this.frame() >= this.frameCount - 1 && !this.loop) this.seekFrame(0);
      const clock = this.master?.el ?? this.video;
      clock.playbackRate = speed;
      this.video.playbackRate = speed;
      for (const t of this.takes.values()) t.el.playbackRate = speed;
      for (const d of this.dubs.values()) d.el.playbackRate = speed;
      void clock.play().catch(() => this.stopShuttle());
    } else {
      if (this.master) this.releaseMaster(false);
      this.video.pause();
      // Reverse: the target time runs backwards at `speed` in wall-clock time; each animation
      // frame seeks to it when the previous seek has landed (frames are skipped, time is not).
      this.reverse = { t0: from, wall0: performance.now() };
    }
    this.startLoop();
    this.emit(true);
  }

  private reverseTarget(): number {
    const r = this.reverse!;
    return r.t0 - ((performance.now() - r.wall0) / 1000) * Math.abs(this.shuttleRate);
  }

  private stopShuttle(): void {
    if (this.reverse && this.video) {
      // Stop where the reverse clock is, on a frame.
      const f = clamp(secToFrame(Math.max(0, this.reverseTarget()), this.fps), 0, Math.max(0, this.frameCount - 1));
      this.reverse = null;
      this.video.currentTime = seekTimeForFrame(f, this.fps);
    }
    this.reverse = null;
    this.shuttleRate = 0;
    if (this.master) this.releaseMaster(false);
    this.video?.pause();
    if (this.video) this.video.playbackRate = 1;
    for (const d of this.dubs.values()) {
      d.el.pause();
      d.el.playbackRate = 1;
    }
    for (const t of this.takes.values()) {
      t.el.pause();
      t.el.playbackRate = 1;
    }
    cancelAnimationFrame(this.raf);
    this.syncFollowers(true);
    this.emit(true);
  }

  /** The locked take whose range holds clip time `t` (not its last half frame), if any. */
  private lockedTakeAt(t: number): Follower | null {
    for (const tk of this.takes.values()) {
      if (tk.lock && t >= tk.startSec - 0.25 / this.fps && t < tk.endSec - 0.5 / this.fps && tk.el.readyState >= 2) return tk;
    }
    return null;
  }

  /** The take becomes the clock at clip time `t`; the clip video waits (hidden) at the take's end. */
  private takeOver(tk: Follower, t: number): void {
    if (!this.video) return;
    this.video.pause();
    const local = Math.max(0, t - tk.startSec);
    if (Math.abs(tk.el.currentTime - local) > 0.5 / this.fps) tk.el.currentTime = local;
    this.master = tk;
    tk.el.playbackRate = Math.abs(this.shuttleRate) || 1;
    this.applyMute();
    void tk.el.play().catch(() => {});
    // Ready for the hand-back: the clip video sits on the first frame after the take.
    this.video.currentTime = Math.min(this.duration, tk.endSec + 0.01 / this.fps);
  }

  /** The clip video takes the clock back (at the take's end when `resume`, playing on). */
  private releaseMaster(resume: boolean): void {
    const tk = this.master;
    if (!tk || !this.video) return;
    const t = tk.startSec + tk.el.currentTime;
    tk.el.pause();
    this.master = null;
    this.applyMute();
    if (resume) {
      if (Math.abs(this.video.currentTime - tk.endSec) > 0.5 / this.fps) this.video.currentTime = tk.endSec;
      this.video.playbackRate = Math.abs(this.shuttleRate) || 1;
      void this.video.play().catch(() => this.stopShuttle());
    } else {
      this.video.currentTime = Math.min(t, this.duration);
    }
  }

  private startLoop(): void {
    cancelAnimationFrame(this.raf);
    const tick = () => {
      if (!this.isPlaying() || !this.video) return;
      if (this.reverse) {
        const target = this.reverseTarget();
        if (target <= 0) {
          this.seekFrame(0);
          this.stopShuttle();
          return;
        }
        if (!this.video.seeking) {
          this.video.currentTime = seekTimeForFrame(secToFrame(target, this.fps), this.fps);
          this.syncFollowers(true);
        }
        this.emit();
        this.raf = requestAnimationFrame(tick);
        return;
      }
      const t = this.time();
      if (this.loop && this.shuttleRate > 0 && (t >= this.loop.end || t < this.loop.start - 0.5)) {
        if (this.master) this.releaseMaster(false);
        this.video.currentTime = this.loop.start + 0.5 / this.fps;
        if (this.video.paused) void this.video.play().catch(() => {});
        this.syncFollowers(true);
      } else if (this.master) {
        const m = this.master;
        if (m.el.ended || m.startSec + m.el.currentTime >= m.endSec - 0.25 / this.fps) this.releaseMaster(true);
      } else if (this.audio === 'dub') {
        const tk = this.lockedTakeAt(t);
        if (tk) this.takeOver(tk, t);
      }
      this.syncFollowers(false);
      this.emit();
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  /** Keeps dub audio and the followers within 80 ms of the clock (hard sync when `force`). */
  private syncFollowers(force: boolean): void {
    const t = this.time();
    const playing = this.shuttleRate > 0;
    for (const d of this.dubs.values()) {
      if (this.mixActive || this.master) {
        if (!d.el.paused) d.el.pause();
        continue;
      }
      follow(d.el, t - d.offset, playing, force);
    }
    for (const tk of this.takes.values()) {
      if (tk === this.master) continue;
      const inside = t >= tk.startSec && t < tk.endSec;
      const local = Math.max(0, Math.min(t - tk.startSec, tk.endSec - tk.startSec - 0.5 / this.fps));
      // A locked take waits paused at its entry point until the clock reaches it (then it takes over).
      follow(tk.el, local, playing && inside && !tk.lock, force);
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
