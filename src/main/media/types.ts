import type { ColorMatrix } from './args';

/** What `probeMedia` learns about a file. Times in seconds, sizes in pixels. */
export interface VideoInfo {
  path: string;
  /** Coded width/height in pixels (before rotation). */
  width: number;
  height: number;
  /** Frame rate as an exact rational (e.g. 30000/1001) and as a float (frames per second). */
  fpsNum: number;
  fpsDen: number;
  fps: number;
  /** True when ffprobe's r_frame_rate and avg_frame_rate disagree (variable frame rate). */
  variableFrameRate: boolean;
  /** Number of frames (counted or estimated from duration x fps). */
  frameCount: number;
  /** Duration of the video stream in seconds. */
  duration: number;
  /** Display rotation in degrees (0, 90, 180, 270) from the display matrix / rotate tag. */
  rotation: number;
  /** Sample aspect ratio as [num, den] (1:1 for square pixels). */
  sampleAspectRatio: [number, number];
  /** ffmpeg pixel format name, e.g. `yuv420p`, `yuv420p10le`. */
  pixelFormat: string;
  /** Bits per component of the pixel format (8, 10, 12). */
  bitDepth: number;
  codec: string;
  /** Audio streams present in the file. */
  audioStreams: AudioStreamInfo[];
  /**
   * Size of the decoded (upright) frames in pixels: width/height swapped when `rotation` is 90
   * or 270. `decodeFrames` yields frames of this size. Always set by `probeMedia`; when absent
   * (hand-made fakes) use `displaySize(info)` from `probe.ts`.
   */
  displayWidth?: number;
  displayHeight?: number;
  /**
   * Start of the video stream relative to the container start, in seconds (usually 0). Frame
   * `i` is at `startTime + i / fps` seconds on the container timeline.
   */
  startTime?: number;
  /** ffprobe `color_space` of the video stream (e.g. `bt709`), absent when untagged. */
  colorSpace?: string;
  /** Container format name from ffprobe, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  formatName?: string;
  /** Things the user should know (e.g. variable frame rate processed as constant). */
  warnings?: string[];
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  duration: number;
}

/**
 * One decoded video frame, packed RGB: `data.length === width * height * 3`, row-major,
 * layout HxWx3 (rgb24), 8 bits per component.
 */
export interface RgbFrame {
  /** 0-based frame index in the decoded stream. */
  index: number;
  width: number;
  height: number;
  data: Uint8Array;
  /**
   * Where `data`'s top-left pixel lies in the full frame (pixels), for frames decoded with a crop;
   * absent or 0 for whole frames. Landmarks and patches stay in full-frame coordinates.
   */
  x0?: number;
  y0?: number;
  /** Absent for rgb24; 'yuv420p' for planar frames from `decodeFrames({ pixFmt: 'yuv420p' })`. */
  pixFmt?: 'yuv420p';
  /** For yuv420p frames, when the consumer needs RGB: the Y'CbCr matrix (limited range). */
  yuvMatrix?: ColorMatrix;
}

/** What `probeAudio` learns about a file used for its audio (any container ffmpeg reads). */
export interface AudioFileInfo {
  /** Absolute path. */
  path: string;
  /** Container duration in seconds (the first audio stream's when the container has none). */
  duration: number;
  /** The first audio stream, the one every audio decoder here reads. */
  audio: AudioStreamInfo;
  /** All audio streams in file order. */
  audioStreams: AudioStreamInfo[];
  /** True when the file also has a (non-cover-art) video stream. */
  hasVideo: boolean;
  formatName?: string;
}
