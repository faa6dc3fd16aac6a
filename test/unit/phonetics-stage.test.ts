import { describe, expect, it, vi } from 'vitest';
import { phoneticTiming, isEnglish, phoneticsKey } from '../../src/main/phonetics/phonetic-stage';

/** 1 s of a 200 Hz tone at 16 kHz (not silence, not speech). */
const tone = Float32Array.from({ length: 16000 }, (_, i) => 0.2 * Math.sin((2 * Math.PI * 200 * i) / 16000));

describe('phonetic timing stage: fallbacks never throw', () => {
  it('says so for a language without a recognizer and no script', async () => {
    const t = await phoneticTiming(tone, { language: 'de', label: 'dub' });
    expect(t.source).toBe('none');
    expect(t.phones).toEqual([]);
    expect(t.note).toMatch(/no phone recognizer for "de"/);
    expect(t.note).toMatch(/--script/);
  });

  it('reports a missing espeak-ng voice (or espeak-ng/python3 itself) as a note', async () => {
    const t = await phoneticTiming(tone, { script: [{ text: 'hello' }], language: 'xx-nope', label: 'dub' });
    expect(t.source).toBe('none');
    expect(t.note).toMatch(/no voice "xx-nope"|not installed/);
  });

  it('reports a missing recognizer model as a note', async () => {
    vi.stubEnv('DUBBING_POCKETSPHINX_MODEL', '/nonexistent/pocketsphinx-model');
    vi.resetModules();
    try {
      const stage = await import('../../src/main/phonetics/phonetic-stage');
      const t = await stage.phoneticTiming(tone, { language: 'en-us', label: 'dub' });
      expect(t.source).toBe('none');
      expect(t.note).toMatch(/pocketsphinx.*not installed/);
      expect(t.note).toMatch(/apt-get install pocketsphinx pocketsphinx-en-us/);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it('has no phones for a silent track and keys the cache by content, script and language', async () => {
    expect((await phoneticTiming(new Float32Array(16000))).source).toBe('none');
    expect(phoneticsKey(tone, {})).toBe(phoneticsKey(tone.slice(), {}));
    expect(phoneticsKey(tone, {})).not.toBe(phoneticsKey(tone, { script: [{ text: 'a' }] }));
    expect(phoneticsKey(tone, {})).not.toBe(phoneticsKey(tone, { language: 'de' }));
    expect(isEnglish('en-us')).toBe(true);
    expect(isEnglish('en-gb+f3')).toBe(true);
    expect(isEnglish('es')).toBe(false);
  });
});
