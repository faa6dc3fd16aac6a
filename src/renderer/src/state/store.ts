import { create } from 'zustand';
import type { EditorSettings } from '../../../shared/api/settings';
import type { Api, EventPayload, JobSnapshot, MediaInfo, ResponseOf } from '../../../shared/api/contract';
import type { ApiErrorInfo } from '../../../shared/api/errors';
import type { EngineDescriptionWire } from '../../../shared/engines';
import { createHistory, type History } from '../../../shared/project/history';
import { emptyProject, type Project } from '../../../shared/project/schema';
import { plainHint, plainMessage } from '../lib/messages';

export type AppInfo = ResponseOf<'app.info'>;
export type AnalysisResult = Extract<NonNullable<JobSnapshot['result']>, { kind: 'analyze' }>;
export type ExportResult = Extract<NonNullable<JobSnapshot['result']>, { kind: 'export' }>;
export type ThumbStrip = ResponseOf<'media.thumbnails'>;
export type ReferenceCandidates = ResponseOf<'reference.suggest'>;
export type MissingMedia = ResponseOf<'project.open'>['missing'];
export type HandSuggestions = ResponseOf<'occlusion.suggestHands'>;
export type RenderPreview = EventPayload<'render.preview'>;
export type PhoneticsResult = ResponseOf<'phonetics.get'>;

/** A dub track's phone timing as last asked for (`key`: what it was computed from). */
export interface PhoneticsEntry {
  key: string;
  loading: boolean;
  result: PhoneticsResult | null;
  error: string | null;
}

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
  hint?: string;
  code?: string;
}

export interface MediaEntry {
  info?: MediaInfo;
  peaks?: { peaks: number[]; duration: number; peaksPerSecond: number };
  peaksError?: ApiErrorInfo;
}

export type FileKind = 'video' | 'audio' | 'project' | 'any';

/** The bridge's file chooser; shown above any other dialog. */
export interface FileDialog {
  mode: 'open' | 'save';
  fileKind: FileKind | 'export';
  title: string;
  defaultName?: string;
  resolve: (path: string | null) => void;
}

export type Dialog =
  | { kind: 'export' }
  | { kind: 'confirm-new' }
  | { kind: 'help' }
  | { kind: 'relink'; missing: MissingMedia }
  | { kind: 'settings' };

export type Tool = 'select' | 'polygon' | 'brush' | 'erase';
export type PreviewMode = 'original' | 'dubbed' | 'side-by-side';

export interface EditorState {
  api: Api | null;
  info: AppInfo | null;
  connected: boolean;
  engines: EngineDescriptionWire[];
  defaultEngine: string;
  /** Engine descriptions for model packs, by `engine|pack`. */
  engineDescs: Record<string, EngineDescriptionWire>;
  history: History<Project>;
  projectPath: string | null;
  /** The project as last saved/opened (dirty = present differs from it). */
  savedProject: Project | null;
  /** Set when the project was restored from an autosave (crash recovery). */
  recoveredAt: string | null;
  autosavedAt: string | null;
  media: Record<string, MediaEntry>;
  thumbs: ThumbStrip | null;
  selectedSegmentId: string | null;
  frame: number;
  playing: boolean;
  inPoint: number | null;
  outPoint: number | null;
  /** Timeline/preview gestures that pick something instead of editing segments. */
  pickMode: null | 'reference' | 'face' | 'protect';
  tool: Tool;
  /** Brush radius in image pixels. */
  brushSize: number;
  selectedShapeId: string | null;
  onionSkin: boolean;
  overlays: { occlusion: boolean; union: boolean; faces: boolean };
  previewMode: PreviewMode;
  /** Take shown on the left of the side-by-side view instead of the original. */
  compareTakeId: string | null;
  loop: boolean;
  jobs: Record<string, JobSnapshot>;
  /** Render jobs queued together (render missing / render all): one progress, one cancel. */
  batch: { label: string; jobIds: string[]; total: number } | null;
  /** Render jobs in flight: the settings key each was started with. */
  pendingRenders: Record<string, { segmentId: string; specKey: string }>;
  analysis: AnalysisResult | null;
  refCandidates: (ReferenceCandidates & { segmentId: string }) | null;
  /** Occluder suggestions from detected hands, for one segment (null until asked). */
  handSuggestions: (HandSuggestions & { segmentId: string }) | null;
  /** Segment being searched for hands. */
  findingHands: string | null;
  /** Phone timing (labial lane, per-segment source) by dub track id. */
  phonetics: Record<string, PhoneticsEntry>;
  /** Latest interactive preview crop per render job in flight. */
  renderPreviews: Record<string, RenderPreview>;
  /** Preview crops drawn over the video so far (tests read it). */
  previewFramesDrawn: number;
  toasts: Toast[];
  /** This machine's editor settings (the render farm); null until loaded. */
  settings: EditorSettings | null;
  dialog: Dialog | null;
  fileDialog: FileDialog | null;
  lastExport: ExportResult | null;
  busy: string | null;
  /** Start-up finished (services reached, engines listed, crash recovery checked). */
  ready: boolean;
}

export const useEditor = create<EditorState>(() => ({
  api: null,
  info: null,
  connected: true,
  engines: [],
  defaultEngine: 'reference',
  engineDescs: {},
  history: createHistory(emptyProject()),
  projectPath: null,
  savedProject: null,
  recoveredAt: null,
  autosavedAt: null,
  media: {},
  thumbs: null,
  selectedSegmentId: null,
  frame: 0,
  playing: false,
  inPoint: null,
  outPoint: null,
  pickMode: null,
  tool: 'select',
  brushSize: 24,
  selectedShapeId: null,
  onionSkin: true,
  overlays: { occlusion: true, union: true, faces: true },
  previewMode: 'original',
  compareTakeId: null,
  loop: false,
  jobs: {},
  pendingRenders: {},
  batch: null,
  analysis: null,
  refCandidates: null,
  handSuggestions: null,
  findingHands: null,
  phonetics: {},
  renderPreviews: {},
  previewFramesDrawn: 0,
  toasts: [],
  settings: null,
  dialog: null,
  fileDialog: null,
  lastExport: null,
  busy: null,
  ready: false,
}));

/** The project being edited (the history's present). */
export function useProject(): Project {
  return useEditor((s) => s.history.present);
}

export function getProject(): Project {
  return useEditor.getState().history.present;
}

export function isDirty(s: EditorState): boolean {
  return s.history.present !== s.savedProject;
}

let toastId = 1;
/** Toasts shown at once (older ones give way), and how long each stays. */
export const MAX_TOASTS = 3;
export const TOAST_MS = { info: 5000, error: 9000 } as const;

export function toast(kind: Toast['kind'], message: string, hint?: string, code?: string): void {
  const t: Toast = { id: toastId++, kind, message: plainMessage(message), hint: hint ? plainHint(hint) : hint, code };
  useEditor.setState((s) => {
    // The same message again replaces the earlier one instead of stacking.
    const rest = s.toasts.filter((x) => !(x.message === t.message && x.kind === t.kind));
    return { toasts: [...rest.slice(-(MAX_TOASTS - 1)), t] };
  });
  setTimeout(() => dismissToast(t.id), TOAST_MS[kind]);
}

export function dismissToast(id: number): void {
  useEditor.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}

/** Shows any error as a toast with its message and hint. */
export function showError(err: unknown): void {
  const e = err as { message?: string; hint?: string; code?: string };
  if (e?.code === 'E_CANCELLED') return;
  toast('error', e?.message ?? String(err), e?.hint, e?.code);
}
