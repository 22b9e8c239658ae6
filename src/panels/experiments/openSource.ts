/*
 * Open the notebook that produced a run, at the cell that produced it.
 */
import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { TranslationBundle } from '@jupyterlab/translation';

import { IRun } from '../../api/tracking';
import { openNotebookAtCell } from '../../notebooks/openCell';

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
  return openNotebookAtCell(
    docManager,
    path,
    run.source.cell_id,
    trans,
    trans.__(
      'The cell that produced run %1 is no longer in %2.',
      run.name,
      path
    )
  );
}
