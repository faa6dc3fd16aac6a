/** The Unsaved changes dialog shown by New: save, discard or cancel. */
import { newProject, saveProject } from '../state/actions';
import { useEditor } from '../state/store';
import { basename } from '../lib/paths';
import { Modal } from './Modal';

/** New with unsaved edits: save them, throw them away, or stay. */
export function ConfirmNewDialog() {
  const close = () => useEditor.setState({ dialog: null });
  const name = useEditor((s) => (s.projectPath ? basename(s.projectPath) : s.history.present.name || 'Untitled'));
  return (
    <Modal title="Unsaved changes" onClose={close} testId="confirm-new">
      <p>
        <b className="ellipsis">{name}</b> has changes that are not saved. Start a new project anyway?
      </p>
      <footer>
        <button onClick={close} data-testid="discard-cancel">
          Cancel
        </button>
        <button
          onClick={async () => {
            close();
            if (await saveProject()) await newProject();
          }}
          data-testid="discard-save"
        >
          Save, then new
        </button>
        <button className="danger" onClick={() => (close(), void newProject())} data-testid="discard-confirm">
          Discard changes
        </button>
      </footer>
    </Modal>
  );
}
