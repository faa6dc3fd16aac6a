import { useEffect } from 'react';
import type { Track } from '../../../shared/project/schema';
import { describeScript } from '../../../shared/project/scripts';
import { importScript, loadPhonetics, phoneticsAutomatic, phoneticsKey } from '../state/actions';
import { useEditor, useProject } from '../state/store';
import { useLaneView } from './TimelineView';

/** Colours of the labial marks (also the legend's). */
export const LABIAL_COLORS = { bilabial: '#f0606a', labiodental: '#45b8e6' } as const;

const KIND_TEXT = { bilabial: 'Bilabial (p b m): the lips close', labiodental: 'Labiodental (f v): lower lip on the teeth' } as const;

/**
 * The labial lane under a dub track's waveform, as on a dubbing rythmo band: a mark where the
 * dub has a bilabial (p b m, red) or a labiodental (f v, blue), on the lanes' time axis. Computed
 * by itself when the track or one of its segments has a script; otherwise on request (phone
 * recognition, English only).
 */
export function LabialLane({ track }: { track: Track }) {
  const project = useProject();
  const entry = useEditor((s) => s.phonetics[track.id]);
  const { pps, left, width } = useLaneView();
  const key = phoneticsKey(project, track.id);
  const auto = phoneticsAutomatic(project, track.id);
  const stale = !entry || entry.key !== key;

  useEffect(() => {
    if (!auto || !stale) return;
    // Settle first (offset typing, segment drags), then ask; the stage caches the timing.
    const timer = setTimeout(() => void loadPhonetics(track.id), 400);
    return () => clearTimeout(timer);
  }, [auto, stale, key, track.id]);

  // A stale timing is kept on screen while a new one is on its way (no flicker), not otherwise.
  const result = entry && (!stale || auto) ? entry.result : null;
  const ownScripts = result?.segments.filter((x) => x.origin === 'segment').length ?? 0;
  const spans = result?.spans ?? [];
  const visible = pps > 0 ? spans.filter((s) => s.end * pps >= left && s.start * pps <= left + width) : [];
  const counts = { bilabial: spans.filter((s) => s.kind === 'bilabial').length, labiodental: spans.filter((s) => s.kind === 'labiodental').length };
  const status = entry?.loading ? 'finding phones…' : result ? `${result.source === 'none' ? 'no phones: ' : ''}${result.label}${ownScripts ? ` (${ownScripts} segment${ownScripts === 1 ? '' : 's'} with own script)` : ''} · ${counts.bilabial} p b m, ${counts.labiodental} f v` : entry?.error ? entry.error : auto ? '' : 'not computed: import the script or find labials';
  return (
    <div className="labial-wrap" data-testid={`labial-lane-${track.id}`} data-state={entry?.loading ? 'loading' : result ? 'ready' : entry?.error ? 'error' : 'none'} data-source={result?.source ?? ''}>
      <div className="labial-bar">
        <b>Labials</b>
        <span className="legend" title={KIND_TEXT.bilabial}>
          <i style={{ background: LABIAL_COLORS.bilabial }} />p b m
        </span>
        <span className="legend" title={KIND_TEXT.labiodental}>
          <i style={{ background: LABIAL_COLORS.labiodental }} />f v
        </span>
        <button className="mini" onClick={() => void importScript({ trackId: track.id })} title={track.script ? `Script: ${describeScript(track.script)}. Import another (.txt or .srt) to replace it` : "Import the dub's script for this whole track (.txt or .srt): its phones are aligned to the dub"} data-testid={`import-script-${track.id}`}>
          {track.script ? 'Script ✓' : 'Import script…'}
        </button>
        {!auto && !entry?.loading && (!result || stale) && (
          <button className="mini" onClick={() => void loadPhonetics(track.id, { byHand: true })} title="Recognize the dub's phones (pocketsphinx, English only) to mark its labials" data-testid={`find-labials-${track.id}`}>
            Find labials
          </button>
        )}
        <small className={`labial-source ${entry?.error && !entry.loading && !result ? 'warn' : 'muted'}`} title={result?.note ?? entry?.error ?? ''} data-testid={`labial-source-${track.id}`}>
          {status}
        </small>
      </div>
      <div className="labial-lane" data-lane={`labial:${track.id}`}>
        {visible.map((s, i) => {
          const x = s.start * pps - left;
          const w = Math.max(2, (s.end - s.start) * pps);
          return (
            <div
              key={`${s.kind}-${s.start}-${i}`}
              className={`labial-mark ${s.kind}`}
              data-testid="labial-mark"
              data-kind={s.kind}
              style={{ left: x, width: w, background: LABIAL_COLORS[s.kind] }}
              title={`${KIND_TEXT[s.kind]} · ${s.phones} · ${s.start.toFixed(2)}–${s.end.toFixed(2)} s`}
            />
          );
        })}
      </div>
    </div>
  );
}
