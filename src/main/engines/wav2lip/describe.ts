/**
 * What the Wav2Lip engine tells the editor and the CLI.
 */
import type { EngineDescription, EngineParamSpec } from '../types';
import type { Wav2LipManifest } from '../../models/manifest';

export const W2L_PARAMS = {
  padTop: 'padTop',
  padBottom: 'padBottom',
  padLeft: 'padLeft',
  padRight: 'padRight',
  smooth: 'smooth',
  referenceFromHabit: 'referenceFromHabit',
  feather: 'feather',
} as const;

export function wav2lipParams(m: Wav2LipManifest): EngineParamSpec[] {
  const [t, b, l, r] = m.pads;
  const pad = (key: string, label: string, def: number): EngineParamSpec => ({
    key,
    label,
    min: -100,
    max: 200,
    step: 1,
    integer: true,
    default: def,
    help: `Face box padding in pixels (Wav2Lip --pads); more ${label.toLowerCase().replace('pad ', '')} margin around the tracked face.`,
  });
  return [
    pad(W2L_PARAMS.padTop, 'Pad top', t),
    pad(W2L_PARAMS.padBottom, 'Pad bottom', b),
    pad(W2L_PARAMS.padLeft, 'Pad left', l),
    pad(W2L_PARAMS.padRight, 'Pad right', r),
    {
      key: W2L_PARAMS.smooth,
      label: 'Box smoothing',
      min: 1,
      max: 15,
      step: 1,
      integer: true,
      default: 5,
      help: 'Face boxes are averaged over this many frames (Wav2Lip uses 5; 1 = --nosmooth).',
    },
    {
      key: W2L_PARAMS.referenceFromHabit,
      label: 'Reference from lip-habit range',
      min: 0,
      max: 1,
      step: 1,
      integer: true,
      default: 0,
      help: "0: the reference image is the frame itself (Wav2Lip). 1: frames of the lip-habit reference range, so the original mouth shape does not leak into the dub.",
    },
    { key: W2L_PARAMS.feather, label: 'Edge feather', min: 0.01, max: 0.3, step: 0.01, default: 0.08, help: 'Softness of the pasted lower-face edge, as a fraction of the face box.' },
  ];
}

export function wav2lipDescription(m: Wav2LipManifest, providerNotes: string[]): EngineDescription {
  const notes = [`Model ${m.name}, licence ${m.licence.name}${m.licence.commercialUse === false ? ' (no commercial use)' : ''}.`];
  notes.push('Wav2Lip has no lip-habit or guidance controls; it renders the lower face at ' + `${m.faceSize}x${m.faceSize} px.`);
  notes.push(`Execution providers: ${providerNotes.join('; ')}.`);
  return {
    id: 'wav2lip',
    name: 'Wav2Lip',
    params: wav2lipParams(m),
    needs: { weights: true, lipHabitReference: false, referenceAudio: false },
    notes,
  };
}
