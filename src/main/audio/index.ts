/** Audio feature extraction for the dubbing pipeline (16 kHz mono float32 PCM in). */
export { stft, forEachStftFrame, stftFrameCount, stftWindow, hannWindow, type StftParams, type Spectrogram } from './stft';
export { getRealFft, type RealFft } from './rfft';
export {
  hzToMel,
  melToHz,
  melBandEdges,
  melFilterbank,
  melSpectrogram,
  logMelSpectrogram,
  wav2lipMelSpectrogram,
  wav2lipMelChunks,
  wav2lipMelStart,
  LOG_MEL_DEFAULTS,
  WAV2LIP_AUDIO,
  type MelFilterbankParams,
  type MelSpectrogram,
  type LogMelParams,
} from './mel';
export { mfcc, dct2Ortho, deltas, cmvn, type FeatureMatrix, type MfccParams } from './mfcc';
export * from './frames';
export {
  detectSpeech,
  runVad,
  vadProbabilities,
  speechSegmentsFromProbs,
  loadSileroVad,
  sileroModelPath,
  VAD_WINDOW_SAMPLES,
  VAD_SAMPLE_RATE,
  type SileroModel,
  type SpeechSegment,
  type SpeechSegmentOptions,
  type VadProbabilities,
} from './vad';
