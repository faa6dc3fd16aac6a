/** Test hooks (the bridge started with --test-hooks). */
import { showError } from '../store';
import { api } from './core';

/** Test hook: kills the inference host (bridge started with --test-hooks). */
export async function crashHost(): Promise<void> {
  try {
    await api().call('debug.crashHost', {});
  } catch (err) {
    showError(err);
  }
}
