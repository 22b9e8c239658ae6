/*
 * Open a notebook at one of its cells: the one way every panel (runs,
 * activity feed, collaborators, provenance chains) takes the user to a cell.
 */
import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

/**
 * Open (or reveal) the notebook at `path` and, when `cellId` is given, make
 * that cell the active, scrolled-into-view cell. Tells the user when the
 * notebook cannot be opened or the cell is gone (`missingCell` is the
 * message then), and returns whether the cell was found.
 */
export async function openNotebookAtCell(
  docManager: IDocumentManager,
  path: string,
  cellId: string | null | undefined,
  trans: TranslationBundle,
  missingCell?: string
): Promise<boolean> {
  const widget = docManager.openOrReveal(path);
  if (!widget) {
    Notification.error(trans.__('Could not open %1', path), {
      autoClose: 8000
    });
    return false;
  }
  try {
    await widget.context.ready;
  } catch (reason) {
    Notification.error(
      trans.__('Could not open %1: %2', path, String(reason)),
      { autoClose: 8000 }
    );
    return false;
  }
  if (!cellId || !(widget instanceof NotebookPanel)) {
    return false;
  }
  await widget.revealed;
  const notebook = widget.content;
  const index = notebook.widgets.findIndex(cell => cell.model.id === cellId);
  if (index < 0) {
    Notification.warning(
      missingCell ?? trans.__('That cell is no longer in %1.', path),
      { autoClose: 5000 }
    );
    return false;
  }
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  await notebook.scrollToItem(index, 'center');
  notebook.activeCell?.node.focus();
  return true;
}
