/**
 * Everything the UI does, as functions over the store. Edits go through `edit` (one undo step,
 * autosaved); service calls go through the `Api` and show failures as toasts (message + hint)
 * without touching the project. Each domain lives in its own module; this index re-exports the
 * public actions so `import … from '../state/actions'` keeps working.
 */
export { edit, flushAutosave, redo, undo } from './core';
export { init } from './startup';
export { loadSettings, saveFarmSettings } from './settings';
export { pickFile } from './files';
export { addDubTrack, newProject, openProject, openVideo, relink, requestNewProject, saveProject } from './project';
export { createSegment, createSegmentFromInOut, deleteSelected, mergeSelectedWithNext, protectFromInOut, segmentsFromSpeech, selectSegment, selectedSegment, splitAtPlayhead, updateLoop } from './segments';
export { cancelBatch, renderAllStale, renderBatch, renderSegment } from './render';
export { cancelJob, reattachJobs } from './jobs';
export { exportVideo } from './export';
export { acceptHandSuggestion, analyzeFaces, suggestHands, suggestReferences } from './analysis';
export { loadEnginePack } from './engines';
export { crashHost } from './debug';
export { importScript, loadPhonetics, phoneticsAutomatic, phoneticsKey, removeScript } from './scripts';
