/**
 * Keyboard shortcuts (NLE conventions). One table drives both the key handler and the help
 * overlay, so the overlay can never drift from what the keys do.
 */
export type ShortcutAction =
  | 'playPause'
  | 'shuttleBack'
  | 'shuttleStop'
  | 'shuttleForward'
  | 'markIn'
  | 'markOut'
  | 'goIn'
  | 'goOut'
  | 'clearInOut'
  | 'zoomIn'
  | 'zoomOut'
  | 'zoomFit'
  | 'segmentFromInOut'
  | 'protectFromInOut'
  | 'stepBack'
  | 'stepForward'
  | 'stepBackSecond'
  | 'stepForwardSecond'
  | 'goStart'
  | 'goEnd'
  | 'split'
  | 'mergeNext'
  | 'delete'
  | 'undo'
  | 'redo'
  | 'save'
  | 'render'
  | 'toggleAB'
  | 'toggleLoop'
  | 'prevSegment'
  | 'nextSegment'
  | 'help'
  | 'escape';

export interface Shortcut {
  action: ShortcutAction;
  keys: string;
  description: string;
  match(e: KeyboardEvent): boolean;
}

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
const plain = (e: KeyboardEvent) => !e.ctrlKey && !e.metaKey && !e.altKey;
const key = (e: KeyboardEvent) => e.key.length === 1 ? e.key.toLowerCase() : e.key;

export const SHORTCUTS: Shortcut[] = [
  { action: 'playPause', keys: 'Space', description: 'Play / pause', match: (e) => plain(e) && e.key === ' ' },
  { action: 'shuttleBack', keys: 'J', description: 'Shuttle backwards (press again for faster)', match: (e) => plain(e) && key(e) === 'j' },
  { action: 'shuttleStop', keys: 'K', description: 'Stop shuttle', match: (e) => plain(e) && key(e) === 'k' },
  { action: 'shuttleForward', keys: 'L', description: 'Shuttle forwards (press again for faster)', match: (e) => plain(e) && !e.shiftKey && key(e) === 'l' },
  { action: 'markIn', keys: 'I', description: 'Mark in at the playhead', match: (e) => plain(e) && !e.shiftKey && key(e) === 'i' },
  { action: 'markOut', keys: 'O', description: 'Mark out at the playhead (inclusive: the out frame is part of the range)', match: (e) => plain(e) && !e.shiftKey && key(e) === 'o' },
  { action: 'goIn', keys: 'Shift+I', description: 'Go to the in point', match: (e) => plain(e) && e.shiftKey && key(e) === 'i' },
  { action: 'goOut', keys: 'Shift+O', description: 'Go to the out point', match: (e) => plain(e) && e.shiftKey && key(e) === 'o' },
  { action: 'clearInOut', keys: 'Alt+X', description: 'Clear in and out', match: (e) => !mod(e) && e.altKey && (key(e) === 'x' || e.code === 'KeyX') },
  { action: 'zoomIn', keys: '=', description: 'Zoom the timeline in (around the playhead)', match: (e) => !mod(e) && !e.altKey && (e.key === '=' || e.key === '+') },
  { action: 'zoomOut', keys: '-', description: 'Zoom the timeline out', match: (e) => !mod(e) && !e.altKey && (e.key === '-' || e.key === '_') },
  { action: 'zoomFit', keys: 'Shift+Z', description: 'Fit the clip in the timeline', match: (e) => plain(e) && e.shiftKey && key(e) === 'z' },
  { action: 'segmentFromInOut', keys: 'N', description: 'New segment from in/out', match: (e) => plain(e) && !e.shiftKey && key(e) === 'n' },
  { action: 'protectFromInOut', keys: 'Shift+N', description: 'Mark in/out as "no lip-sync" (never altered)', match: (e) => plain(e) && e.shiftKey && key(e) === 'n' },
  { action: 'stepBack', keys: '←', description: 'One frame back', match: (e) => plain(e) && !e.shiftKey && e.key === 'ArrowLeft' },
  { action: 'stepForward', keys: '→', description: 'One frame forward', match: (e) => plain(e) && !e.shiftKey && e.key === 'ArrowRight' },
  { action: 'stepBackSecond', keys: 'Shift+←', description: 'One second back', match: (e) => plain(e) && e.shiftKey && e.key === 'ArrowLeft' },
  { action: 'stepForwardSecond', keys: 'Shift+→', description: 'One second forward', match: (e) => plain(e) && e.shiftKey && e.key === 'ArrowRight' },
  { action: 'goStart', keys: 'Home', description: 'Go to start', match: (e) => plain(e) && e.key === 'Home' },
  { action: 'goEnd', keys: 'End', description: 'Go to end', match: (e) => plain(e) && e.key === 'End' },
  { action: 'prevSegment', keys: '↑', description: 'Previous segment', match: (e) => plain(e) && e.key === 'ArrowUp' },
  { action: 'nextSegment', keys: '↓', description: 'Next segment', match: (e) => plain(e) && e.key === 'ArrowDown' },
  { action: 'split', keys: 'S', description: 'Split the segment at the playhead', match: (e) => plain(e) && key(e) === 's' },
  { action: 'mergeNext', keys: 'M', description: 'Merge the selected segment with the next one', match: (e) => plain(e) && key(e) === 'm' },
  { action: 'delete', keys: 'Delete / Backspace', description: 'Delete the selected segment', match: (e) => plain(e) && (e.key === 'Delete' || e.key === 'Backspace') },
  { action: 'undo', keys: 'Ctrl/Cmd+Z', description: 'Undo', match: (e) => mod(e) && !e.shiftKey && key(e) === 'z' },
  { action: 'redo', keys: 'Ctrl/Cmd+Shift+Z', description: 'Redo (also Ctrl+Y)', match: (e) => mod(e) && ((e.shiftKey && key(e) === 'z') || key(e) === 'y') },
  { action: 'save', keys: 'Ctrl/Cmd+S', description: 'Save the project', match: (e) => mod(e) && key(e) === 's' },
  { action: 'render', keys: 'R', description: 'Render the selected segment', match: (e) => plain(e) && key(e) === 'r' },
  { action: 'toggleAB', keys: 'A', description: 'A/B: toggle original / dubbed', match: (e) => plain(e) && key(e) === 'a' },
  { action: 'toggleLoop', keys: 'Shift+L', description: 'Loop the selected segment', match: (e) => plain(e) && e.shiftKey && key(e) === 'l' },
  { action: 'help', keys: '?', description: 'Show / hide this help', match: (e) => !mod(e) && (e.key === '?' || e.key === 'F1') },
  { action: 'escape', keys: 'Esc', description: 'Cancel the current tool / close dialogs', match: (e) => e.key === 'Escape' },
];

/**
 * The action for a key event, or null. In text fields only save and Esc work; on a slider the
 * arrow keys move the slider instead of the playhead.
 */
export function actionFor(e: KeyboardEvent): ShortcutAction | null {
  const t = e.target as HTMLElement | null;
  const tag = t?.tagName ?? '';
  const inputType = tag === 'INPUT' ? (t as HTMLInputElement).type : '';
  const textual = tag === 'TEXTAREA' || tag === 'SELECT' || !!t?.isContentEditable || (tag === 'INPUT' && !['range', 'checkbox', 'radio', 'button'].includes(inputType));
  for (const s of SHORTCUTS) {
    if (!s.match(e)) continue;
    if (textual && s.action !== 'save' && s.action !== 'escape') return null;
    if (inputType === 'range' && ['stepBack', 'stepForward', 'stepBackSecond', 'stepForwardSecond', 'goStart', 'goEnd'].includes(s.action)) return null;
    return s.action;
  }
  return null;
}
