import { useEffect, useRef, useState } from 'react';

/**
 * A drag handle between two panes. `axis` x resizes a width (drag left grows the pane on the
 * right), y a height (drag up grows the pane below). Double-click restores the default.
 */
export function Splitter({ axis, value, min, max, onChange, reset, testId }: { axis: 'x' | 'y'; value: number; min: number; max: number; onChange: (v: number) => void; reset: number; testId: string }) {
  const drag = useRef<{ start: number; value: number } | null>(null);
  return (
    <div
      className={`splitter splitter-${axis}`}
      role="separator"
      aria-orientation={axis === 'x' ? 'vertical' : 'horizontal'}
      data-testid={testId}
      title="Drag to resize; double-click to reset"
      onPointerDown={(e) => {
        (e.target as HTMLElement).setPointerCapture?.(e.pointerId);
        drag.current = { start: axis === 'x' ? e.clientX : e.clientY, value };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        const delta = d.start - (axis === 'x' ? e.clientX : e.clientY);
        onChange(Math.round(Math.max(min, Math.min(max, d.value + delta))));
      }}
      onPointerUp={() => (drag.current = null)}
      onDoubleClick={() => onChange(reset)}
    />
  );
}

/** A size kept across sessions (localStorage), clamped to [min, max]. */
export function useStoredSize(key: string, initial: number, min: number, max: number): [number, (v: number) => void] {
  const [v, setV] = useState(() => {
    const stored = Number(globalThis.localStorage?.getItem(key));
    return Number.isFinite(stored) && stored > 0 ? stored : initial;
  });
  useEffect(() => {
    globalThis.localStorage?.setItem(key, String(v));
  }, [key, v]);
  return [Math.max(min, Math.min(max, v)), setV];
}
