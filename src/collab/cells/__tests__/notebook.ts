/*
 * Real notebooks for the tests: JupyterLab's `Notebook` widget on a
 * `NotebookModel`, as in a lab (windowing as asked).
 */
import type { ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import { Notebook, NotebookModel, StaticNotebook } from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import { PartialJSONValue } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import type { IExecutionRecord } from '../../../api/collab';

export interface ITestCell {
  type?: 'code' | 'markdown';
  id: string;
  record?: IExecutionRecord | Record<string, unknown> | null;
  outputs?: boolean;
}

/** A cell as nbformat has it, with its record in `metadata.mlplatform`. */
export function cellJSON(cell: ITestCell): nbformat.ICell {
  const metadata: Record<string, unknown> = {};
  if (cell.record) {
    metadata['mlplatform'] = { execution: cell.record };
  }
  if (cell.type === 'markdown') {
    return {
      cell_type: 'markdown',
      id: cell.id,
      source: `# ${cell.id}`,
      metadata
    } as nbformat.IMarkdownCell;
  }
  return {
    cell_type: 'code',
    id: cell.id,
    source: `print("${cell.id}")`,
    metadata,
    execution_count: null,
    outputs: cell.outputs
      ? [{ output_type: 'stream', name: 'stdout', text: `${cell.id}\n` }]
      : []
  } as nbformat.ICodeCell;
}

/**
 * A notebook widget attached to the document, with these cells.
 */
export function createNotebook(
  cells: ITestCell[],
  windowingMode: StaticNotebook.INotebookConfig['windowingMode'] = 'none'
): Notebook {
  const notebook = new Notebook({
    rendermime: NBTestUtils.defaultRenderMime(),
    contentFactory: NBTestUtils.createNotebookFactory(),
    mimeTypeService: NBTestUtils.mimeTypeService,
    notebookConfig: { ...StaticNotebook.defaultNotebookConfig, windowingMode }
  });
  const model = new NotebookModel();
  model.fromJSON({
    cells: cells.map(cellJSON),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5
  });
  notebook.model = model;
  Widget.attach(notebook, document.body);
  return notebook;
}

/** The cell widget of a cell id. */
export function cellOf(notebook: Notebook, id: string) {
  const cell = notebook.widgets.find(c => c.model.id === id);
  if (!cell) {
    throw new Error(`No cell ${id}`);
  }
  return cell;
}

/** Write a record into a cell the way the server does (shared model). */
export function writeRecord(
  notebook: Notebook,
  id: string,
  record: IExecutionRecord | Record<string, unknown> | null
): void {
  const model = cellOf(notebook, id).model;
  if (record === null) {
    model.sharedModel.deleteMetadata('mlplatform');
  } else {
    model.sharedModel.setMetadata('mlplatform', {
      execution: record
    } as unknown as PartialJSONValue);
  }
}

/** Give a code cell outputs (or clear them). */
export function setOutputs(notebook: Notebook, id: string, on: boolean): void {
  const model = cellOf(notebook, id).model as ICodeCellModel;
  if (on) {
    model.outputs.add({ output_type: 'stream', name: 'stdout', text: 'x\n' });
  } else {
    model.outputs.clear();
  }
}

/** The strip node of a cell, if it has one. */
export function stripOf(notebook: Notebook, id: string): HTMLElement | null {
  return cellOf(notebook, id).node.querySelector('.jp-mlp-ExecutionStrip');
}
