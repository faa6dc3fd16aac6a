/** This machine's editor settings (the render farm): loading and saving them. */
import { farmSettingsSchema, redactFarmUrl, type FarmSettings } from '../../../../shared/api/settings';
import { showError, toast, useEditor } from '../store';
import { api } from './core';

/** Reads this machine's editor settings (the render farm) into the store; on failure renders stay local. */
export async function loadSettings(): Promise<void> {
  try {
    useEditor.setState({ settings: await api().call('settings.get', {}) });
  } catch (err) {
    showError(err);
  }
}

/**
 * Stores the render farm setting (null: render on this machine), validated here with the shared
 * schema (the services validate it again). Shows the problem and returns false when invalid.
 */
export async function saveFarmSettings(farm: FarmSettings | null): Promise<boolean> {
  if (farm) {
    const r = farmSettingsSchema.safeParse(farm);
    if (!r.success) {
      toast('error', `The farm setting is not valid: ${r.error.issues.map((i) => i.message).join('; ')}.`, 'Example: redis://:PASSWORD@10.0.0.5:6379 with the roots media=/mnt/show/media and cache=/mnt/show/dub-cache.', 'E_BAD_SETTINGS');
      return false;
    }
    farm = r.data;
  }
  try {
    const prev = useEditor.getState().settings;
    const settings = await api().call('settings.set', { version: 1, ...(prev ?? {}), farm });
    useEditor.setState({ settings });
    toast('info', farm ? `Render all now uses the farm ${redactFarmUrl(farm.redisUrl)}.` : 'Renders run on this machine.');
    return true;
  } catch (err) {
    showError(err);
    return false;
  }
}
