import { useEffect, useRef, useState } from 'react';
import { applyBrushStroke } from '../../../shared/masks/brush';
import { addShape, moveVertex, neighbourKeyframes, nextShapeId, pointInPolygon, shapePolygonsAt, translateShapeAt, type Mask, type Pt } from '../../../shared/masks/keyframes';
import { unionRectFromBoxes } from '../../../shared/masks/union';
import * as ops from '../../../shared/project/segments';
import { edit, selectedSegment } from '../state/actions';
import { showError, useEditor, useProject } from '../state/store';

/** Image <-> screen mapping of a video drawn with object-fit: contain. */
export interface View {
  scale: number;
  offX: number;
  offY: number;
}

export function containView(boxW: number, boxH: number, imgW: number, imgH: number): View {
  const scale = Math.min(boxW / imgW, boxH / imgH) || 1;
  return { scale, offX: (boxW - imgW * scale) / 2, offY: (boxH - imgH * scale) / 2 };
}

const HANDLE_PX = 7;

/**
 * The preview's drawing layer: face boxes (click one to choose the face), the union mask (what
 * is regenerated), the occlusion mask at the current frame (what is kept) with onion-skin of the
 * neighbouring keyframes, and the mask tools: polygon (click points, click the first point or
 * press Enter to close), select (drag a vertex or the whole shape; edits create a keyframe at the
 * current frame), brush and erase (paint; the outline is traced back into the shape).
 * Coordinates are image pixels of the source video.
 */
export function MaskOverlay({ width, height }: { width: number; height: number }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [box, setBox] = useState({ w: 0, h: 0 });
  const [draft, setDraft] = useState<Pt[]>([]);
  const [pointer, setPointer] = useState<Pt | null>(null);
  const drag = useRef<null | { kind: 'vertex'; shape: string; poly: number; vertex: number; at: Pt } | { kind: 'shape'; shape: string; from: Pt; at: Pt } | { kind: 'brush'; points: Pt[] }>(null);
  const [, setTick] = useState(0);
  const project = useProject();
  const frame = useEditor((s) => s.frame);
  const tool = useEditor((s) => s.tool);
  const brushSize = useEditor((s) => s.brushSize);
  const selectedShapeId = useEditor((s) => s.selectedShapeId);
  const onionSkin = useEditor((s) => s.onionSkin);
  const overlays = useEditor((s) => s.overlays);
  const analysis = useEditor((s) => s.analysis);
  const pickMode = useEditor((s) => s.pickMode);
  const segId = useEditor((s) => s.selectedSegmentId);
  const seg = project.segments.find((s) => s.id === segId);
  const inSeg = !!seg && frame >= seg.startFrame && frame < seg.endFrame;
  const editing = inSeg && pickMode === null;

  useEffect(() => {
    const el = canvasRef.current?.parentElement;
    if (!el) return;
    const ro = new ResizeObserver(() => setBox({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setBox({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, []);

  useEffect(() => setDraft([]), [frame, segId, tool]);

  const view = containView(box.w, box.h, width, height);
  const toImage = (e: { clientX: number; clientY: number }): Pt => {
    const r = canvasRef.current!.getBoundingClientRect();
    return [(e.clientX - r.left - view.offX) / view.scale, (e.clientY - r.top - view.offY) / view.scale];
  };
  const toScreen = ([x, y]: Pt): Pt => [x * view.scale + view.offX, y * view.scale + view.offY];

  const commitMask = (mask: Mask, key?: string) => {
    if (!seg) return;
    edit((p) => ops.updateSegment(p, seg.id, { occlusion: mask }), key ? { coalesceKey: key } : {});
  };

  // ------------------------------------------------------------ drawing
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.max(1, Math.round(box.w * dpr));
    c.height = Math.max(1, Math.round(box.h * dpr));
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, box.w, box.h);
    const path = (poly: Pt[]) => {
      g.beginPath();
      poly.forEach((p, i) => {
        const [x, y] = toScreen(p);
        if (i === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      });
      g.closePath();
    };
    if (overlays.faces && analysis) {
      for (const f of analysis.faces) {
        const s = f.frames.find((x) => x.frame === frame);
        if (!s) continue;
        const [x, y] = toScreen([s.box[0], s.box[1]]);
        const chosen = seg ? seg.face === f.id : false;
        g.strokeStyle = chosen ? '#ffd54f' : 'rgba(255,255,255,0.7)';
        g.lineWidth = chosen ? 2.5 : 1.5;
        g.setLineDash(pickMode === 'face' ? [6, 4] : []);
        g.strokeRect(x, y, s.box[2] * view.scale, s.box[3] * view.scale);
        g.setLineDash([]);
        g.fillStyle = chosen ? '#ffd54f' : '#fff';
        g.font = '12px system-ui';
        g.fillText(`Face ${f.id}`, x + 4, y - 4);
      }
    }
    if (overlays.union && analysis && seg) {
      const faceId = seg.face ?? analysis.faces.reduce((best, f) => (f.frames.length > (best?.frames.length ?? -1) ? f : best), analysis.faces[0])?.id;
      const track = analysis.faces.find((f) => f.id === faceId);
      const boxes = (track?.frames ?? []).filter((x) => x.frame >= seg.startFrame && x.frame < seg.endFrame && x.mouth).map((x) => x.mouth!);
      const u = unionRectFromBoxes(boxes, width, height);
      if (u) {
        const [x, y] = toScreen([u.x, u.y]);
        g.fillStyle = 'rgba(0, 200, 255, 0.12)';
        g.fillRect(x, y, u.w * view.scale, u.h * view.scale);
        g.strokeStyle = 'rgba(0, 200, 255, 0.9)';
        g.setLineDash([5, 4]);
        g.lineWidth = 1.5;
        g.strokeRect(x, y, u.w * view.scale, u.h * view.scale);
        g.setLineDash([]);
        g.fillStyle = 'rgba(0, 200, 255, 0.95)';
        g.font = '11px system-ui';
        g.fillText('regenerated (union mask)', x + 4, y + u.h * view.scale - 5);
      }
    }
    // While a vertex or shape is dragged, draw the edit live (it is committed on release).
    const live = drag.current;
    let shown = seg?.occlusion;
    if (seg && live?.kind === 'vertex') shown = moveVertex(seg.occlusion, live.shape, frame, live.poly, live.vertex, live.at);
    else if (seg && live?.kind === 'shape') shown = translateShapeAt(seg.occlusion, live.shape, frame, live.at[0] - live.from[0], live.at[1] - live.from[1]);
    if (overlays.occlusion && seg && shown) {
      if (onionSkin) {
        for (const shape of shown.shapes) {
          const { prev, next } = neighbourKeyframes(shape, frame);
          for (const [kf, colour] of [
            [prev, 'rgba(120, 170, 255, 0.8)'],
            [next, 'rgba(140, 255, 160, 0.8)'],
          ] as const) {
            if (!kf) continue;
            g.strokeStyle = colour;
            g.setLineDash([3, 3]);
            g.lineWidth = 1;
            for (const poly of kf.polygons) {
              path(poly);
              g.stroke();
            }
            g.setLineDash([]);
          }
        }
      }
      for (const shape of shown.shapes) {
        const polys = shapePolygonsAt(shape, frame);
        const isKey = shape.keyframes.some((k) => k.frame === frame);
        const sel = shape.id === selectedShapeId;
        for (const poly of polys) {
          path(poly);
          g.fillStyle = sel ? 'rgba(255, 82, 82, 0.42)' : 'rgba(255, 82, 82, 0.3)';
          g.fill();
          g.strokeStyle = sel ? '#ff8a80' : 'rgba(255, 120, 120, 0.9)';
          g.lineWidth = sel ? 2 : 1.2;
          g.stroke();
          if (sel && tool === 'select') {
            for (const p of poly) {
              const [x, y] = toScreen(p);
              g.fillStyle = isKey ? '#fff' : '#ffcc80';
              g.fillRect(x - HANDLE_PX / 2, y - HANDLE_PX / 2, HANDLE_PX, HANDLE_PX);
            }
          }
        }
      }
    }
    if (draft.length) {
      g.strokeStyle = '#ffeb3b';
      g.lineWidth = 1.5;
      g.beginPath();
      draft.forEach((p, i) => {
        const [x, y] = toScreen(p);
        if (i === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      });
      if (pointer) {
        const [x, y] = toScreen(pointer);
        g.lineTo(x, y);
      }
      g.stroke();
      for (const p of draft) {
        const [x, y] = toScreen(p);
        g.fillStyle = '#ffeb3b';
        g.beginPath();
        g.arc(x, y, 3.5, 0, Math.PI * 2);
        g.fill();
      }
    }
    const d = drag.current;
    if (d?.kind === 'brush' && d.points.length) {
      g.strokeStyle = tool === 'erase' ? 'rgba(255,255,255,0.7)' : 'rgba(255, 82, 82, 0.8)';
      g.lineCap = 'round';
      g.lineJoin = 'round';
      g.lineWidth = brushSize * 2 * view.scale;
      g.beginPath();
      d.points.forEach((p, i) => {
        const [x, y] = toScreen(p);
        if (i === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      });
      g.stroke();
    }
    if ((tool === 'brush' || tool === 'erase') && pointer && editing) {
      const [x, y] = toScreen(pointer);
      g.strokeStyle = '#fff';
      g.lineWidth = 1;
      g.beginPath();
      g.arc(x, y, brushSize * view.scale, 0, Math.PI * 2);
      g.stroke();
    }
  });

  // ------------------------------------------------------------ interaction
  const hitVertex = (p: Pt): { shape: string; poly: number; vertex: number } | null => {
    if (!seg) return null;
    const order = [...seg.occlusion.shapes].sort((a) => (a.id === selectedShapeId ? -1 : 1));
    for (const shape of order) {
      const polys = shapePolygonsAt(shape, frame);
      for (let i = 0; i < polys.length; i++) {
        for (let j = 0; j < polys[i].length; j++) {
          const [sx, sy] = toScreen(polys[i][j]);
          const [px, py] = toScreen(p);
          if (Math.hypot(sx - px, sy - py) <= HANDLE_PX) return { shape: shape.id, poly: i, vertex: j };
        }
      }
    }
    return null;
  };
  const hitShape = (p: Pt): string | null => {
    if (!seg) return null;
    for (const shape of [...seg.occlusion.shapes].reverse()) if (shapePolygonsAt(shape, frame).some((poly) => pointInPolygon(p, poly))) return shape.id;
    return null;
  };

  const closePolygon = () => {
    if (!seg || draft.length < 3) return;
    const id = nextShapeId(seg.occlusion);
    commitMask(addShape(seg.occlusion, id, frame, draft));
    useEditor.setState({ selectedShapeId: id });
    setDraft([]);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (tool !== 'polygon' || draft.length === 0) return;
      if (e.key === 'Enter') {
        e.preventDefault();
        closePolygon();
      } else if (e.key === 'Escape') setDraft([]);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  });

  const onPointerDown = (e: React.PointerEvent) => {
    const p = toImage(e);
    if (pickMode === 'face') {
      const hit = analysis?.faces.find((f) => {
        const s = f.frames.find((x) => x.frame === frame);
        return s && p[0] >= s.box[0] && p[0] <= s.box[0] + s.box[2] && p[1] >= s.box[1] && p[1] <= s.box[1] + s.box[3];
      });
      const current = selectedSegment();
      if (hit && current) edit((pr) => ops.updateSegment(pr, current.id, { face: hit.id }));
      useEditor.setState({ pickMode: null });
      return;
    }
    if (!editing || !seg) return;
    (e.target as Element).setPointerCapture(e.pointerId);
    if (tool === 'polygon') {
      if (draft.length >= 3) {
        const [fx, fy] = toScreen(draft[0]);
        const [px, py] = toScreen(p);
        if (Math.hypot(fx - px, fy - py) <= 10) return closePolygon();
      }
      setDraft([...draft, p]);
      return;
    }
    if (tool === 'select') {
      const v = hitVertex(p);
      if (v) {
        useEditor.setState({ selectedShapeId: v.shape });
        drag.current = { kind: 'vertex', ...v, at: p };
        return;
      }
      const s = hitShape(p);
      useEditor.setState({ selectedShapeId: s });
      if (s) drag.current = { kind: 'shape', shape: s, from: p, at: p };
      return;
    }
    drag.current = { kind: 'brush', points: [p] };
    setTick((n) => n + 1);
  };

  const onPointerMove = (e: React.PointerEvent) => {
    const p = toImage(e);
    setPointer(p);
    const d = drag.current;
    if (!d) return;
    if (d.kind === 'brush') d.points.push(p);
    else d.at = p;
    setTick((n) => n + 1);
  };

  const onPointerUp = (e: React.PointerEvent) => {
    const d = drag.current;
    drag.current = null;
    if (!d || !seg) return;
    const p = toImage(e);
    if (d.kind === 'vertex') {
      const orig = shapePolygonsAt(seg.occlusion.shapes.find((s) => s.id === d.shape)!, frame)[d.poly][d.vertex];
      if (Math.hypot(p[0] - orig[0], p[1] - orig[1]) > 0.5) commitMask(moveVertex(seg.occlusion, d.shape, frame, d.poly, d.vertex, p));
    } else if (d.kind === 'shape') {
      const dx = p[0] - d.from[0];
      const dy = p[1] - d.from[1];
      if (Math.hypot(dx, dy) > 0.5) commitMask(translateShapeAt(seg.occlusion, d.shape, frame, dx, dy));
    } else if (d.kind === 'brush') {
      try {
        const r = applyBrushStroke(seg.occlusion, { shapeId: selectedShapeId, frame, width, height, points: d.points, radius: brushSize, erase: tool === 'erase' });
        // A stroke that changed nothing is no edit (no undo step).
        if (r.mask !== seg.occlusion) commitMask(r.mask);
        useEditor.setState({ selectedShapeId: r.shapeId });
      } catch (err) {
        showError(err);
      }
    }
    setTick((n) => n + 1);
  };

  const cursor = pickMode === 'face' ? 'pointer' : !editing ? 'default' : tool === 'polygon' ? 'crosshair' : tool === 'select' ? 'default' : 'none';
  return (
    <canvas
      ref={canvasRef}
      className="mask-overlay"
      data-testid="mask-canvas"
      style={{ cursor, pointerEvents: editing || pickMode === 'face' ? 'auto' : 'none' }}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerLeave={() => setPointer(null)}
      onDoubleClick={() => tool === 'polygon' && closePolygon()}
    />
  );
}
