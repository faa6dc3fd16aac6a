import { createRoot } from 'react-dom/client';
import { createApi } from './api/client';
import { init } from './state/actions';
import { App } from './components/App';
import { playback } from './state/playback';
import { useEditor } from './state/store';
import './styles.css';

const api = createApi();
createRoot(document.getElementById('root')!).render(<App />);
void init(api);
// Handle for end-to-end tests and debugging (read-only use).
(window as unknown as { __editor?: unknown }).__editor = { api, store: useEditor, playback };
