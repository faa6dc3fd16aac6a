/** IPC contract between the plugin's main process, preload and renderer. */

export const CHANNELS = {
  dubCurrentTimeline: 'dub-plugin:dub-current-timeline',
  sendBack: 'dub-plugin:send-back',
  reveal: 'dub-plugin:reveal',
} as const;

/** What every action answers: a value, or an error the renderer can show. */
export type ActionResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string; hint: string } };

export interface DubTimelineSummary {
  /** The handoff file the editor opens (`*.dubtimeline.json`), and an OTIO copy of the timeline. */
  file: string;
  otio: string;
  timelineName: string;
  tracks: number;
  clips: number;
  missingMedia: string[];
  warnings: string[];
}

export interface SendBackSummary {
  cancelled: boolean;
  manifest?: string;
  trackIndices?: number[];
  shots?: number;
  markers?: number;
  warnings?: string[];
}

/** What the preload exposes to the page as `window.dubPlugin`. */
export interface DubPluginApi {
  dubCurrentTimeline(): Promise<ActionResult<DubTimelineSummary>>;
  sendBack(): Promise<ActionResult<SendBackSummary>>;
  reveal(file: string): Promise<void>;
}
