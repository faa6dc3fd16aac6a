import { z } from 'zod';

/**
 * Wire schemas of the per-segment quality check (`jobs.qualityCheck`): the segment's take
 * against the original over the segment's frames, with a plain re-encode of the original as the
 * noise floor (src/main/eval/quality.ts), and the face-limits verdict of the segment
 * (src/main/pipeline/face-limits.ts). Figures are on luma in 8-bit code values inside the
 * lower-face box; non-finite figures (undefined: flicker of the first frame, an empty mask) are null.
 */

/** The figures a frame can be flagged for (SSIM is reported by evalQuality but never flags). */
export const qualityFlagFigureSchema = z.enum(['seam', 'outsideChange', 'sharpness', 'flicker']);
export type QualityFlagFigure = z.infer<typeof qualityFlagFigureSchema>;

export const qualityFlagSchema = z.object({
  /** Clip frame number (0-based, absolute). */
  frame: z.number().int().min(0),
  figure: qualityFlagFigureSchema,
  /** The take's figure on this frame. */
  value: z.number(),
  /** The re-encode's (noise floor's) figure on the same frame; null when undefined there. */
  floor: z.number().nullable(),
  /** One sentence for the user: what is wrong and by how much. */
  reason: z.string(),
});
export type QualityFlag = z.infer<typeof qualityFlagSchema>;

export const faceLimitSchema = z.object({
  /** Null when the segment's face can be dubbed. */
  code: z.enum(['no-face', 'too-small', 'profile', 'unsure']).nullable(),
  /** Why the pipeline leaves the segment as the original (null when it does not). */
  reason: z.string().nullable(),
  facedShare: z.number(),
  faceHeightPx: z.number(),
  yawDeg: z.number(),
  score: z.number(),
});
export type FaceLimitInfo = z.infer<typeof faceLimitSchema>;

const nfig = z.number().nullable();
export const qualityFiguresSchema = z.object({ sharpness: nfig, outsideChange: nfig, seam: nfig, ssim: nfig, flicker: nfig });

/** What the host's quality check returns (without the segment / take ids the service adds). */
export const qualityReportSchema = z.object({
  /** Frames checked, [startFrame, endFrame) clip frame numbers. */
  range: z.object({ startFrame: z.number().int(), endFrame: z.number().int() }),
  /** Frames with figures (the original had a face there). */
  framesChecked: z.number().int(),
  /** Frames of the range without a face in the original (no figures). */
  framesSkipped: z.number().int(),
  /** Flagged frames, one entry per frame and figure, by frame then figure. */
  flags: z.array(qualityFlagSchema),
  /** The take's worst frame per flaggable figure, flagged or not (the next place to look). */
  worst: z.array(z.object({ frame: z.number().int(), figure: qualityFlagFigureSchema, value: z.number(), floor: z.number().nullable() })),
  /** Clip figures of the take / those of the re-encode (above 1 worse for seam, outsideChange, flicker). */
  clipRatio: qualityFiguresSchema.nullable(),
  /** The face-limits verdict of the segment (a clip without any face is code 'no-face'); null when tracking is not available. */
  faceLimit: faceLimitSchema.nullable(),
  warnings: z.array(z.string()),
});
export type QualityReportWire = z.infer<typeof qualityReportSchema>;

export const qualityResultSchema = qualityReportSchema.extend({
  kind: z.literal('quality'),
  segmentId: z.string(),
  /** The take that was checked. */
  takeId: z.string(),
});
export type QualityResult = z.infer<typeof qualityResultSchema>;
