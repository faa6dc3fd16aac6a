import { useState } from 'react';
import type { Segment } from '../../../shared/project/schema';
import { describeScript, setTrackLanguage, trackLanguage } from '../../../shared/project/scripts';
import { edit, importScript, loadPhonetics, phoneticsKey, removeScript } from '../state/actions';
import { useEditor, useProject } from '../state/store';
import { LABIAL_COLORS } from './LabialLane';

/** The words for a timing source before the services have answered (what the segment will use). */
const EXPECTED = { script: 'script (espeak-ng alignment)', none: 'recognized phones (pocketsphinx) or audio features only' } as const;

/**
 * A segment's script and phone timing: its own script (or its track's), the dub language, and
 * which timing the render uses: "script (espeak-ng alignment)", "recognized phones (pocketsphinx)"
 * or "audio features only", with the phonetic stage's note.
 */
export function PhoneticsPanel({ seg }: { seg: Segment }) {
  const project = useProject();
  const track = project.tracks.find((t) => t.id === seg.trackId);
  const entry = useEditor((s) => (track ? s.phonetics[track.id] : undefined));
  const [lang, setLang] = useState<string | null>(null);
  if (!track) return null;
  const fps = project.video?.fps ?? 25;
  const current = !!entry && entry.key === phoneticsKey(project, track.id);
  const info = entry?.result?.segments.find((x) => x.segmentId === seg.id) ?? null;
  const hasScript = !!seg.script || !!track.script;
  const spans = entry?.result?.spans.filter((s) => s.end > seg.startFrame / fps && s.start < seg.endFrame / fps) ?? [];
  const commitLang = () => {
    if (lang !== null) edit((p) => setTrackLanguage(p, track.id, lang));
    setLang(null);
  };
  return (
    <section className="insp-section" data-testid="phonetics-panel">
      <h3>Script &amp; phones</h3>
      <div className="script-line" data-testid="segment-script">
        {seg.script ? (
          <>
            <span className="script-name" title={seg.script.cues.map((c) => c.text).join(' ')}>
              Own script: {describeScript(seg.script)}
            </span>
            <button className="link" onClick={() => removeScript({ segmentId: seg.id })} data-testid="remove-segment-script">
              remove
            </button>
          </>
        ) : track.script ? (
          <span className="script-name" title={track.script.cues.map((c) => c.text).join(' ')}>
            Track script: {describeScript(track.script)}
          </span>
        ) : (
          <span className="muted">No script</span>
        )}
      </div>
      <div className="row wrap">
        <button onClick={() => void importScript({ segmentId: seg.id })} title="Import this segment's lines (.txt: spans the segment; .srt: the cues inside it, times on the dub track's timeline)" data-testid="import-segment-script">
          Import script…
        </button>
        <label title="Language of the dub as an espeak-ng voice (en-us, de, fr, es, ...); without a script only English is recognized">
          Dub language{' '}
          <input
            className="lang-input"
            size={7}
            value={lang ?? trackLanguage(track)}
            onChange={(e) => setLang(e.target.value)}
            onBlur={commitLang}
            onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
            data-testid="dub-language"
          />
        </label>
      </div>
      <p className="phonetic-source" data-testid="phonetic-source" data-source={current && info ? info.source : ''} title={info?.note ?? ''}>
        Phone timing:{' '}
        {current && info ? (
          <b>{info.label}</b>
        ) : entry?.loading ? (
          <span className="muted">finding phones…</span>
        ) : (
          <span className="muted">{hasScript ? EXPECTED.script : EXPECTED.none} (not computed yet)</span>
        )}
      </p>
      {current && info && (
        <p className="muted phonetic-note" data-testid="phonetic-note">
          {info.note}
          {' · '}
          <span style={{ color: LABIAL_COLORS.bilabial }}>{spans.filter((s) => s.kind === 'bilabial').length} p b m</span>
          {', '}
          <span style={{ color: LABIAL_COLORS.labiodental }}>{spans.filter((s) => s.kind === 'labiodental').length} f v</span>
        </p>
      )}
      {!entry?.loading && !(current && info) && (
        <button onClick={() => void loadPhonetics(track.id, { byHand: true })} data-testid="find-phones" title="Compute the dub's phone timing now (cached)">
          Find phones
        </button>
      )}
      {entry?.error && !entry.loading && <p className="warn">{entry.error}</p>}
    </section>
  );
}

/** One line of the project overview: which phone timing the segment renders with (when known). */
export function SegmentPhoneSource({ seg }: { seg: Segment }) {
  const project = useProject();
  const entry = useEditor((s) => s.phonetics[seg.trackId]);
  const info = entry && entry.key === phoneticsKey(project, seg.trackId) ? entry.result?.segments.find((x) => x.segmentId === seg.id) : undefined;
  const text = info ? info.label : seg.script ? 'own script' : project.tracks.find((t) => t.id === seg.trackId)?.script ? 'track script' : '';
  if (!text) return null;
  return (
    <div className="muted seg-phones" data-testid="segment-phone-source" title={info?.note ?? 'Phone timing not computed yet'}>
      phones: {text}
    </div>
  );
}
