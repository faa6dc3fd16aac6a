/** The toast stack: info and error messages with their hints, dismissable. */
import { useEditor } from '../state/store';

export function Toasts() {
  const toasts = useEditor((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`} data-testid={`toast-${t.kind}`} data-code={t.code ?? ''} role={t.kind === 'error' ? 'alert' : 'status'}>
          <div className="toast-msg">{t.message}</div>
          {t.hint && <div className="toast-hint">{t.hint}</div>}
          <button className="link" onClick={() => useEditor.setState((s) => ({ toasts: s.toasts.filter((x) => x.id !== t.id) }))} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
