/*
 * Which cell a collaborator's editor cursor is in: the upstream
 * remote-cursors extension publishes Yjs relative positions into the cell's
 * `source` text; resolved against our copy of the same shared notebook.
 */
import * as Y from 'yjs';

import { IRawCursor } from './state';

/**
 * The cells of a shared notebook as the cursor resolution needs them (a
 * `YNotebook`'s `cells`).
 */
export interface ICursorCell {
  readonly id: string;
  readonly ysource: Y.Text;
}

/**
 * Where a cursor is: the cell, its position, and the line in the cell.
 */
export interface ICursorCellPosition {
  cellId: string;
  /** 0-based position of the cell in the notebook. */
  cellIndex: number;
  /** 0-based line of the cursor's head in the cell's source. */
  line: number;
}

/**
 * The primary cursor of a tab (the first one when none is marked primary).
 */
export function primaryCursor(
  cursors: readonly IRawCursor[]
): IRawCursor | null {
  return cursors.find(c => c.primary) ?? cursors[0] ?? null;
}

/**
 * Resolve a cursor's head to the cell it is in, or `null` when it does not
 * point into a cell source of `ydoc` (another document, a deleted cell, a
 * malformed position).
 */
export function resolveCursor(
  cursor: IRawCursor,
  ydoc: Y.Doc,
  cells: readonly ICursorCell[]
): ICursorCellPosition | null {
  let absolute: Y.AbsolutePosition | null;
  try {
    const relative = Y.createRelativePositionFromJSON(cursor.head);
    absolute = Y.createAbsolutePositionFromRelativePosition(relative, ydoc);
  } catch {
    // A position another client got wrong: ignore it.
    return null;
  }
  if (absolute === null) {
    return null;
  }
  const type = absolute.type;
  const cellIndex = cells.findIndex(cell => cell.ysource === type);
  if (cellIndex < 0) {
    return null;
  }
  const cell = cells[cellIndex];
  const before = cell.ysource.toString().slice(0, absolute.index);
  let line = 0;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) {
    line += 1;
  }
  return { cellId: cell.id, cellIndex, line };
}
