import { describe, expect, it } from 'vitest';
import { canRedo, canUndo, commit, createHistory, redo, replacePresent, undo } from '../../src/shared/project/history';

describe('undo/redo history', () => {
  it('undoes and redoes in order', () => {
    let h = createHistory(0);
    h = commit(h, 1, { now: 0 });
    h = commit(h, 2, { now: 10_000 });
    expect(h.present).toBe(2);
    h = undo(h);
    expect(h.present).toBe(1);
    h = undo(h);
    expect(h.present).toBe(0);
    expect(canUndo(h)).toBe(false);
    expect(undo(h)).toBe(h);
    h = redo(redo(h));
    expect(h.present).toBe(2);
    expect(canRedo(h)).toBe(false);
  });

  it('a new edit clears the redo stack', () => {
    let h = commit(commit(createHistory('a'), 'b'), 'c');
    h = commit(undo(h), 'd');
    expect(canRedo(h)).toBe(false);
    expect(h.past).toEqual(['a', 'b']);
  });

  it('keeps at least 100 steps (200 by default) and drops the oldest beyond the limit', () => {
    let h = createHistory(0);
    for (let i = 1; i <= 250; i++) h = commit(h, i, { now: i * 10_000 });
    expect(h.past.length).toBe(200);
    for (let i = 0; i < 150; i++) h = undo(h);
    expect(h.present).toBe(100);
    let small = createHistory(0);
    for (let i = 1; i <= 10; i++) small = commit(small, i, { limit: 3, now: i * 10_000 });
    expect(small.past).toEqual([7, 8, 9]);
  });

  it('coalesces a slider drag into one step, but not different keys or slow edits', () => {
    let h = createHistory(0);
    h = commit(h, 1, { coalesceKey: 'k', now: 1000 });
    h = commit(h, 2, { coalesceKey: 'k', now: 1200 });
    h = commit(h, 3, { coalesceKey: 'k', now: 1400 });
    expect(h.past).toEqual([0]);
    h = commit(h, 4, { coalesceKey: 'other', now: 1500 });
    h = commit(h, 5, { coalesceKey: 'other', now: 9000 });
    expect(h.past).toEqual([0, 3, 4]);
    expect(undo(h).present).toBe(4);
  });

  it('committing the same object is a no-op; replacePresent adds no step', () => {
    const h = commit(createHistory({ a: 1 }), { a: 2 });
    expect(commit(h, h.present)).toBe(h);
    const r = replacePresent(h, { a: 3 });
    expect(r.past).toBe(h.past);
    expect(undo(r).present).toEqual({ a: 1 });
  });
});
