import { useEffect, useState } from 'react';
import { Splitter, useStoredSize } from './Splitter';
import {
  createSegmentFromInOut,
  deleteSelected,
  flushAutosave,
  mergeSelectedWithNext,
  protectFromInOut,
  redo,
  renderSegment,
  saveProject,
  selectSegment,
  splitAtPlayhead,
  undo,
  updateLoop,
} from '../state/actions';
import { playback } from '../state/playback';
import { getProject, useEditor } from '../state/store';
import { actionFor, type ShortcutAction } from '../lib/shortcuts';
import { laneGroup } from '../lib/lane-group';
import { Dialogs, Toasts } from './Dialogs';
import { Inspector } from './Inspector';
import { Preview } from './Preview';
import { StatusBar } from './StatusBar';
import { Timeline } from './Timeline';
import { Toolbar } from './Toolbar';

function run(action: ShortcutAction): void {
  const s = useEditor.getState();
  const fps = getProject().video?.fps ?? 25;
  switch (action) {
    case 'playPause':
      return playback.toggle();
    case 'shuttleBack':
      return playback.shuttle(-1);
    case 'shuttleStop':
      return playback.shuttle(0);
    case 'shuttleForward':
      return playback.shuttle(1);
    case 'markIn':
      return useEditor.setState({ inPoint: playback.frame(), outPoint: s.outPoint !== null && s.outPoint < playback.frame() ? null : s.outPoint });
    case 'markOut':
      return useEditor.setState({ outPoint: playback.frame(), inPoint: s.inPoint !== null && s.inPoint > playback.frame() ? null : s.inPoint });
    case 'goIn':
      if (s.inPoint !== null) playback.seekFrame(s.inPoint);
      return;
    case 'goOut':
      if (s.outPoint !== null) playback.seekFrame(s.outPoint);
      return;
    case 'clearInOut':
      return useEditor.setState({ inPoint: null, outPoint: null });
    case 'zoomIn':
      return laneGroup.zoomBy(2);
    case 'zoomOut':
      return laneGroup.zoomBy(0.5);
    case 'zoomFit':
      return laneGroup.zoomBy(0);
    case 'segmentFromInOut':
      return createSegmentFromInOut();
    case 'protectFromInOut':
      return protectFromInOut();
    case 'stepBack':
      return playback.step(-1);
    case 'stepForward':
      return playback.step(1);
    case 'stepBackSecond':
      return playback.step(-Math.round(fps));
    case 'stepForwardSecond':
      return playback.step(Math.round(fps));
    case 'goStart':
      return playback.seekFrame(0);
    case 'goEnd':
      return playback.seekFrame(playback.frameCount - 1);
    case 'prevSegment':
    case 'nextSegment': {
      const segs = getProject().segments;
      if (!segs.length) return;
      const f = playback.frame();
      const target = action === 'nextSegment' ? segs.find((x) => x.startFrame > f) : [...segs].reverse().find((x) => x.startFrame < f);
      if (target) selectSegment(target.id, true);
      return;
    }
    case 'split':
      return splitAtPlayhead();
    case 'mergeNext':
      return mergeSelectedWithNext();
    case 'delete':
      return deleteSelected();
    case 'undo':
      return undo();
    case 'redo':
      return redo();
    case 'save':
      return void saveProject();
    case 'render':
      if (s.selectedSegmentId) void renderSegment(s.selectedSegmentId);
      return;
    case 'toggleAB':
      return useEditor.setState({ previewMode: s.previewMode === 'original' ? 'dubbed' : 'original' });
    case 'toggleLoop':
      useEditor.setState({ loop: !s.loop });
      return updateLoop();
    case 'help':
      return useEditor.setState({ dialog: s.dialog?.kind === 'help' ? null : { kind: 'help' } });
    case 'escape':
      if (s.fileDialog) return s.fileDialog.resolve(null);
      if (s.dialog) return useEditor.setState({ dialog: null });
      return useEditor.setState({ pickMode: null });
  }
}

export function App() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const action = actionFor(e);
      if (!action) return;
      const s = useEditor.getState();
      if ((s.dialog || s.fileDialog) && !['escape', 'help', 'save'].includes(action)) return;
      e.preventDefault();
      run(action);
    };
    window.addEventListener('keydown', onKey);
    const beforeUnload = (e: BeforeUnloadEvent) => {
      const s = useEditor.getState();
      if (s.history.present !== s.savedProject && s.history.present.video) e.preventDefault();
    };
    window.addEventListener('beforeunload', beforeUnload);
    // Leaving the page (reload, tab closed): write the pending autosave now (best effort).
    const pageHide = () => void flushAutosave().catch(() => {});
    window.addEventListener('pagehide', pageHide);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('beforeunload', beforeUnload);
      window.removeEventListener('pagehide', pageHide);
    };
  }, []);
  const [winW, setWinW] = useState(() => window.innerWidth);
  const [winH, setWinH] = useState(() => window.innerHeight);
  useEffect(() => {
    const onResize = () => (setWinW(window.innerWidth), setWinH(window.innerHeight));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  const inspectorMax = Math.max(300, Math.min(760, winW - 480));
  const lanesMax = Math.max(140, winH - 360);
  const [inspectorW, setInspectorW] = useStoredSize('layout.inspectorWidth', 380, 280, inspectorMax);
  const [lanesH, setLanesH] = useStoredSize('layout.lanesHeight', 260, 120, lanesMax);
  return (
    <div className="app" style={{ '--inspector-w': `${inspectorW}px`, '--lanes-h': `${lanesH}px` } as React.CSSProperties}>
      <Toolbar />
      <main className="workspace">
        <Preview />
        <Splitter axis="x" value={inspectorW} min={280} max={inspectorMax} reset={380} onChange={setInspectorW} testId="splitter-inspector" />
        <Inspector />
      </main>
      <Splitter axis="y" value={lanesH} min={120} max={lanesMax} reset={260} onChange={setLanesH} testId="splitter-timeline" />
      <Timeline />
      <StatusBar />
      <Dialogs />
      <Toasts />
    </div>
  );
}
