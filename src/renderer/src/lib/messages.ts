/**
 * Error text for people: messages from the services may end in the tool output that explains a
 * failure to a developer ("…: moov atom not found", "[mov,mp4 @ 0x55d…] Invalid data found when
 * processing input", "ffmpeg failed: exit 1"). The editor shows what it means instead.
 */
const TECHNICAL: Array<{ re: RegExp; plain: string }> = [
  { re: /moov atom not found/i, plain: 'the file is incomplete or damaged (it may still be copying, or was cut off)' },
  { re: /invalid data found when processing input/i, plain: 'it is not a video or audio file the editor can read' },
  { re: /could not find codec parameters|unknown codec|decoder .* not found/i, plain: 'its streams use a format the editor cannot decode' },
  { re: /no such file or directory/i, plain: 'the file was not found' },
  { re: /permission denied/i, plain: 'the file may not be read (permission denied)' },
  { re: /does not contain any stream|no (video|audio) stream/i, plain: 'it has no usable video or audio stream' },
  { re: /error while decoding|invalid nal unit|corrupt (frame|packet|input)/i, plain: 'part of the file is damaged' },
];

/** Fragments that mark raw tool output. */
const RAW = /\[[\w,.-]+ @ 0x[0-9a-f]+\]|\bffmpeg\b|\bffprobe\b|\bexit (code )?-?\d+\b|\bstderr\b|0x[0-9a-f]{6,}|\bAVERROR\b|Conversion failed!?/i;

export function plainMessage(message: string): string {
  // Only the explanation after the editor's own sentence is looked at (file names stay as they are).
  const raw = message.search(/\[[\w,.-]+ @ 0x/);
  const colon = message.indexOf(': ');
  const cut = raw >= 0 && (colon < 0 || raw < colon) ? raw : colon;
  const prefix = cut > 0 ? message.slice(0, cut).replace(/[:\s]+$/, '') : '';
  const tail = cut >= 0 ? message.slice(cut) : message;
  const known = TECHNICAL.find((t) => t.re.test(tail));
  if (!known && !RAW.test(tail)) return message;
  if (!prefix || RAW.test(prefix)) return known ? `The file could not be read: ${known.plain}.` : 'The file could not be read.';
  return `${prefix}: ${known?.plain ?? 'the file could not be read'}.`;
}

/** A hint that sends people to a command line tool becomes one they can follow in the editor. */
export function plainHint(hint: string): string {
  if (!RAW.test(hint) && !/`[^`]*`/.test(hint)) return hint;
  return 'Check that it is a complete video or audio file; export or copy it again, then retry.';
}
