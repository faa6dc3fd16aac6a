/**
 * Parses what an editor types into a timecode field: `HH:MM:SS:FF` (or `;`/`.` separators, and
 * fewer fields counted from the right: `SS:FF`, `MM:SS:FF`), a plain frame number, or `+N` / `-N`
 * frames relative to `current`. Non-drop, at the nominal (rounded) frame rate like the display.
 * @returns the frame, or null when the text is not one of these.
 */
export function parseTimecode(text: string, fps: number, current: number): number | null {
  const t = text.trim();
  if (/^[+-]\d+$/.test(t)) return current + Number(t);
  if (/^\d+$/.test(t)) return Number(t);
  const parts = t.split(/[:;.]/);
  if (parts.length < 2 || parts.length > 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) return null;
  const nominal = Math.max(1, Math.round(fps));
  const [ff, ss = 0, mm = 0, hh = 0] = parts.map(Number).reverse();
  if (ff >= nominal || ss >= 60 || mm >= 60) return null;
  return ((hh * 60 + mm) * 60 + ss) * nominal + ff;
}
