/** Number of points in the MediaPipe / @vladmandic/human face mesh. */
export const MESH_POINTS = 468;

/**
 * One face in one frame. `mesh` is Float32Array(468 * 3): x, y in image pixels (origin top-left),
 * z in the mesh's relative depth units; `box` is [x, y, width, height] in pixels.
 */
export interface FaceObservation {
  box: [number, number, number, number];
  mesh: Float32Array;
  /** Detector/mesh confidence in [0, 1]. */
  score: number;
}

/** A face track sample: observed, interpolated over a short gap, or missing (long gap). */
export interface TrackSample {
  box: [number, number, number, number];
  /** Smoothed mesh, Float32Array(468 * 3), pixels. */
  mesh: Float32Array;
  score: number;
  /** True when the frame had no detection and the sample was interpolated. */
  interpolated: boolean;
}

/** A face followed across a clip. `frames[i]` is the sample at frame i, or null when absent. */
export interface FaceTrack {
  id: number;
  frames: (TrackSample | null)[];
}

/** Tracking of a whole clip. */
export interface TrackingResult {
  width: number;
  height: number;
  frameCount: number;
  /** Tracks sorted by id; id 0 is the first track that appeared. */
  tracks: FaceTrack[];
  /** Frames with no usable face for any track. */
  warnings: string[];
}

/** Number of keypoints of a Human / MediaPipe hand skeleton. */
export const HAND_POINTS = 21;

/**
 * One hand in one frame (occluder suggestions). `keypoints` is Float32Array(21 * 3): x, y in image
 * pixels, z in the model's relative depth units; `box` is [x, y, width, height] in pixels.
 */
export interface HandObservation {
  box: [number, number, number, number];
  keypoints: Float32Array;
  /** Detection confidence in [0, 1]. */
  score: number;
}
