/**
 * Per-video-frame audio features, gathered in one import:
 * - frame timing and feature-window index math (`frame-time.ts`),
 * - energy envelope / silence flags (`energy.ts`),
 * - pooled MFCC context descriptors (`context-features.ts`).
 * Each lives in its own module; this file only re-exports them.
 */
export { frameTimeSec, frameSampleIndex, featureWindowForFrame, roundRatio, checkFps, type FeatureWindow } from './frame-time';
export {
  logRmsEnvelope,
  energyPerFrame,
  meanSquarePerFrame,
  silenceFlags,
  RMS_FLOOR,
  type FrameEnergyOptions,
  type SilenceOptions,
} from './energy';
export { audioContextFeatures, AUDIO_CONTEXT_FEATURES, type AudioContextOptions } from './context-features';
