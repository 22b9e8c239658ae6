/*
 * Open the notebook that produced a run, at the cell that produced it.
 */
import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { IRun } from '../../api/tracking';

/**
 * Open (or reveal) the run's source notebook and make its cell the active,
 * scrolled-into-view cell. Tells the user when the notebook or the cell is
 * gone, and returns whether the cell was found.
 */
export async function openRunSource(
  docManager: IDocumentManager,
  run: IRun,
  trans: TranslationBundle
): Promise<boolean> {
  const path = run.source.notebook_path;
  if (!path) {
    Notification.warning(
      trans.__('Run %1 does not record the notebook it came from.', run.name),
      { autoClose: 5000 }
    );
    return false;
  }
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
  const cellId = run.source.cell_id;
  if (!cellId || !(widget instanceof NotebookPanel)) {
    return false;
  }
  await widget.revealed;
  const notebook = widget.content;
  const index = notebook.widgets.findIndex(cell => cell.model.id === cellId);
  if (index < 0) {
    Notification.warning(
      trans.__(
        'The cell that produced run %1 is no longer in %2.',
        run.name,
        path
      ),
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
