/** The keyboard shortcuts overlay. */
import { useEditor } from '../state/store';
import { SHORTCUTS } from '../lib/shortcuts';
import { Modal } from './Modal';

export function HelpOverlay() {
  return (
    <Modal title="Keyboard shortcuts" onClose={() => useEditor.setState({ dialog: null })} testId="help-overlay" wide>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">Mouse: drag on the original dialogue lane to create a segment; drag a segment’s body to move it, its edges to trim; Ctrl+wheel on the waveform zooms.</p>
    </Modal>
  );
}
