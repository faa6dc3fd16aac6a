/** The store plumbing every action uses: the API handle, edits as undo steps, undo/redo and autosave. */
import type { Api } from '../../../../shared/api/contract';
import { commit, redo as historyRedo, replacePresent, undo as historyUndo, type CommitOptions } from '../../../../shared/project/history';
import type { Project } from '../../../../shared/project/schema';
import * as ops from '../../../../shared/project/segments';
import { showError, useEditor } from '../store';

export function api(): Api {
  const a = useEditor.getState().api;
  if (!a) throw new Error('API not ready');
  return a;
}

let autosaveTimer: ReturnType<typeof setTimeout> | null = null;

/** Sends the project to the services' autosave (they debounce and write atomically). */
function scheduleAutosave(): void {
  if (autosaveTimer) clearTimeout(autosaveTimer);
  autosaveTimer = setTimeout(() => {
    const s = useEditor.getState();
    if (!s.api || !s.history.present.video) return;
    void s.api.call('project.autosave', { path: s.projectPath, project: s.history.present }).catch(() => {});
  }, 250);
}

/** Writes the autosave now (before closing, and in tests). */
export async function flushAutosave(): Promise<void> {
  if (autosaveTimer) clearTimeout(autosaveTimer);
  const s = useEditor.getState();
  if (!s.api || !s.history.present.video) return;
  await s.api.call('project.autosave', { path: s.projectPath, project: s.history.present, flush: true });
}

/**
 * Applies an edit as one undo step. `EditError`s (and any other error) become a toast and leave
 * the project unchanged.
 * @returns true when the project changed.
 */
export function edit(fn: (p: Project) => Project, opts: CommitOptions = {}): boolean {
  const s = useEditor.getState();
  let next: Project;
  try {
    next = fn(s.history.present);
  } catch (err) {
    showError(err);
    return false;
  }
  if (next === s.history.present) return false;
  useEditor.setState({ history: commit(s.history, next, opts) });
  afterChange();
  return true;
}

function afterChange(): void {
  const s = useEditor.getState();
  const p = s.history.present;
  if (s.selectedSegmentId && !p.segments.some((x) => x.id === s.selectedSegmentId)) useEditor.setState({ selectedSegmentId: null });
  scheduleAutosave();
}

/** Moves through the history (undo or redo); renders made meanwhile stay with their segments. */
function stepHistory(move: typeof historyUndo): void {
  const s = useEditor.getState();
  const h = move(s.history);
  if (h === s.history) return;
  useEditor.setState({ history: { ...h, present: ops.carryRenders(h.present, s.history.present) } });
  afterChange();
}

export function undo(): void {
  stepHistory(historyUndo);
}

export function redo(): void {
  stepHistory(historyRedo);
}

/** Records a render result without an undo step (renders are results, not edits). */
export function applyResult(fn: (p: Project) => Project): void {
  const s = useEditor.getState();
  try {
    const next = fn(s.history.present);
    if (next !== s.history.present) useEditor.setState({ history: replacePresent(s.history, next) });
    scheduleAutosave();
  } catch {
    // The segment was deleted while rendering: the take stays in the cache only.
  }
}

/**
 * Runs `work` with `label` as the editor's busy message (the status bar and the disabled
 * toolbar); a failure is shown as an error toast, never thrown; the message is cleared after.
 */
export async function whileBusy(label: string, work: () => Promise<void>): Promise<void> {
  useEditor.setState({ busy: label });
  try {
    await work();
  } catch (err) {
    showError(err);
  } finally {
    useEditor.setState({ busy: null });
  }
}
