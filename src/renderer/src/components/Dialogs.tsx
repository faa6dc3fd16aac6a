/** The dialog host: the open dialog (one at a time) and the bridge's file chooser. */
import { useEditor, type Dialog } from '../state/store';
import { FileBrowser } from './FileBrowser';
import { ExportDialog } from './ExportDialog';
import { HelpOverlay } from './HelpOverlay';
import { RelinkDialog } from './RelinkDialog';
import { ConfirmNewDialog } from './ConfirmNewDialog';
import { SettingsDialog } from './SettingsDialog';

// Re-exported for the components that import them from here.
export { BatchProgress } from './BatchProgress';
export { Toasts } from './Toasts';

export function Dialogs() {
  const dialog = useEditor((s) => s.dialog);
  const fileDialog = useEditor((s) => s.fileDialog);
  return (
    <>
      {dialog && <MainDialog dialog={dialog} />}
      {fileDialog && <FileBrowser d={fileDialog} />}
    </>
  );
}

function MainDialog({ dialog }: { dialog: Dialog }) {
  switch (dialog.kind) {
    case 'confirm-new':
      return <ConfirmNewDialog />;
    case 'export':
      return <ExportDialog />;
    case 'help':
      return <HelpOverlay />;
    case 'relink':
      return <RelinkDialog d={dialog} />;
    case 'settings':
      return <SettingsDialog />;
  }
}
