import { TranslationBundle } from '@jupyterlab/translation';
import { useVirtualizer } from '@tanstack/react-virtual';
import * as React from 'react';

import { IRun } from '../../../api/tracking';
import { IColumn } from '../columns';
import { ISortState } from '../runsModel';

const TABLE_CLASS = 'jp-mlp-RunsTable';
const INNER_CLASS = 'jp-mlp-RunsTable-inner';
const HEADER_CLASS = 'jp-mlp-RunsTable-header';
const ROW_CLASS = 'jp-mlp-RunsTable-row';
const CELL_CLASS = 'jp-mlp-RunsTable-cell';
const PINNED_CLASS = 'jp-mlp-mod-pinned';
const LAST_PINNED_CLASS = 'jp-mlp-mod-lastPinned';
const NUMERIC_CLASS = 'jp-mlp-mod-numeric';
const SELECTED_CLASS = 'jp-mlp-mod-selected';
const FOCUSED_CLASS = 'jp-mlp-mod-focused';
const DELETED_CLASS = 'jp-mlp-mod-deleted';
const RESIZER_CLASS = 'jp-mlp-RunsTable-resizer';
const LINK_CLASS = 'jp-mlp-RunsTable-link';
const STATUS_CLASS = 'jp-mlp-RunStatus';
const BADGE_CLASS = 'jp-mlp-StatusBadge';
const EMPTY_CLASS = 'jp-mlp-RunsTable-empty';

/** Row and header heights in pixels (fixed: the table is virtualized). */
export const ROW_HEIGHT = 28;
const HEADER_HEIGHT = 30;
const CHECK_WIDTH = 32;
/** Start loading the next page this many rows before the end. */
const LOAD_AHEAD = 50;

export interface IRunsTableProps {
  runs: readonly IRun[];
  columns: readonly IColumn[];
  width: (column: IColumn) => number;
  isPinned: (columnId: string) => boolean;
  sort: ISortState | null;
  selection: ReadonlySet<string>;
  hasMore: boolean;
  loading: boolean;
  trans: TranslationBundle;
  onSort: (sort: ISortState | null) => void;
  onResize: (columnId: string, width: number) => void;
  onSelectionChange: (runIds: Set<string>) => void;
  onOpenRun: (run: IRun) => void;
  onOpenSource: (run: IRun) => void;
  onLoadMore: () => void;
  /** Row context menu (the panel adds the run actions). */
  onContextMenu?: (run: IRun, event: React.MouseEvent) => void;
}

/**
 * The runs as a virtualized grid: only the rows in view are in the DOM, so
 * 10,000 runs scroll smoothly. Pinned columns stay at the left, headers sort
 * and resize, and the keyboard moves, selects and opens rows.
 */
export function RunsTable(props: IRunsTableProps): JSX.Element {
  const { runs, columns, sort, selection, trans } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const [focused, setFocused] = React.useState(0);
  const [anchor, setAnchor] = React.useState<number | null>(null);
  const [dragWidths, setDragWidths] = React.useState<Record<string, number>>(
    {}
  );
  const gridId = React.useId();

  const virtualizer = useVirtualizer({
    count: runs.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    paddingStart: HEADER_HEIGHT
  });
  const items = virtualizer.getVirtualItems();

  // Ask for the next page when the rows in view come near the end.
  const lastIndex = items.length > 0 ? items[items.length - 1].index : -1;
  React.useEffect(() => {
    if (
      props.hasMore &&
      !props.loading &&
      lastIndex >= runs.length - LOAD_AHEAD
    ) {
      props.onLoadMore();
    }
  }, [lastIndex, runs.length, props.hasMore, props.loading]);

  React.useEffect(() => {
    if (focused >= runs.length && runs.length > 0) {
      setFocused(runs.length - 1);
    }
  }, [runs.length]);

  const widthOf = (column: IColumn): number =>
    dragWidths[column.id] ?? props.width(column);

  // Left offsets of the pinned columns (after the checkbox column).
  const layout = React.useMemo(() => {
    let left = CHECK_WIDTH;
    let total = CHECK_WIDTH;
    const offsets = new Map<string, number>();
    let lastPinned: string | null = null;
    for (const column of columns) {
      const width = widthOf(column);
      if (props.isPinned(column.id)) {
        offsets.set(column.id, left);
        left += width;
        lastPinned = column.id;
      }
      total += width;
    }
    return { offsets, total, lastPinned };
  }, [columns, dragWidths, props.width, props.isPinned]);

  const moveFocus = (index: number, extend: boolean): void => {
    if (runs.length === 0) {
      return;
    }
    const next = Math.max(0, Math.min(runs.length - 1, index));
    setFocused(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
    if (extend) {
      const from = anchor ?? focused;
      setAnchor(from);
      selectRange(from, next, false);
    } else {
      setAnchor(null);
    }
  };

  const selectRange = (from: number, to: number, add: boolean): void => {
    const [lo, hi] = from < to ? [from, to] : [to, from];
    const next = add ? new Set(selection) : new Set<string>();
    for (let i = lo; i <= hi; i++) {
      next.add(runs[i].run_id);
    }
    props.onSelectionChange(next);
  };

  const toggle = (runId: string): void => {
    const next = new Set(selection);
    if (!next.delete(runId)) {
      next.add(runId);
    }
    props.onSelectionChange(next);
  };

  const onKeyDown = (event: React.KeyboardEvent): void => {
    const page = Math.max(
      1,
      Math.floor(
        ((scroller.current?.clientHeight ?? 0) - HEADER_HEIGHT) / ROW_HEIGHT
      ) - 1
    );
    const accel = event.ctrlKey || event.metaKey;
    switch (event.key) {
      case 'ArrowDown':
        moveFocus(focused + 1, event.shiftKey);
        break;
      case 'ArrowUp':
        moveFocus(focused - 1, event.shiftKey);
        break;
      case 'PageDown':
        moveFocus(focused + page, event.shiftKey);
        break;
      case 'PageUp':
        moveFocus(focused - page, event.shiftKey);
        break;
      case 'Home':
        moveFocus(0, event.shiftKey);
        break;
      case 'End':
        moveFocus(runs.length - 1, event.shiftKey);
        break;
      case ' ':
        if (runs[focused]) {
          toggle(runs[focused].run_id);
        }
        break;
      case 'Enter':
        if (runs[focused]) {
          props.onOpenRun(runs[focused]);
        }
        break;
      case 'a':
        if (!accel) {
          return;
        }
        props.onSelectionChange(new Set(runs.map(r => r.run_id)));
        break;
      case 'Escape':
        if (selection.size === 0) {
          return;
        }
        props.onSelectionChange(new Set());
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  const onRowClick = (event: React.MouseEvent, index: number): void => {
    const run = runs[index];
    if (event.shiftKey) {
      selectRange(anchor ?? focused, index, event.ctrlKey || event.metaKey);
    } else if (event.ctrlKey || event.metaKey) {
      toggle(run.run_id);
      setAnchor(index);
    } else {
      setAnchor(index);
    }
    setFocused(index);
  };

  const onHeaderClick = (column: IColumn): void => {
    if (!column.sortKey) {
      return;
    }
    if (sort?.columnId !== column.id) {
      props.onSort({ columnId: column.id, descending: column.numeric });
    } else if (sort.descending === column.numeric) {
      props.onSort({ columnId: column.id, descending: !sort.descending });
    } else {
      props.onSort(null);
    }
  };

  const startResize = (event: React.PointerEvent, column: IColumn): void => {
    event.preventDefault();
    event.stopPropagation();
    const handle = event.currentTarget as HTMLElement;
    handle.setPointerCapture(event.pointerId);
    const startX = event.clientX;
    const startWidth = widthOf(column);
    let latest = startWidth;
    const onMove = (move: PointerEvent): void => {
      latest = Math.max(40, startWidth + move.clientX - startX);
      setDragWidths(w => ({ ...w, [column.id]: latest }));
    };
    const onUp = (): void => {
      handle.removeEventListener('pointermove', onMove);
      handle.removeEventListener('pointerup', onUp);
      handle.removeEventListener('pointercancel', onUp);
      setDragWidths(w => {
        const rest = { ...w };
        delete rest[column.id];
        return rest;
      });
      props.onResize(column.id, latest);
    };
    handle.addEventListener('pointermove', onMove);
    handle.addEventListener('pointerup', onUp);
    handle.addEventListener('pointercancel', onUp);
  };

  const cellStyle = (column: IColumn): React.CSSProperties => {
    const left = layout.offsets.get(column.id);
    const width = widthOf(column);
    return left === undefined
      ? { width, minWidth: width }
      : { width, minWidth: width, left };
  };
  const cellClass = (column: IColumn): string =>
    [
      CELL_CLASS,
      layout.offsets.has(column.id) ? PINNED_CLASS : '',
      column.id === layout.lastPinned ? LAST_PINNED_CLASS : '',
      column.numeric ? NUMERIC_CLASS : ''
    ]
      .filter(Boolean)
      .join(' ');

  const allSelected = runs.length > 0 && selection.size >= runs.length;
  return (
    <div
      ref={scroller}
      className={TABLE_CLASS}
      role="grid"
      tabIndex={0}
      aria-label={trans.__('Runs')}
      aria-rowcount={runs.length + 1}
      aria-colcount={columns.length + 1}
      aria-multiselectable
      aria-activedescendant={
        runs[focused] ? `${gridId}-row-${focused}` : undefined
      }
      onKeyDown={onKeyDown}
    >
      <div
        className={INNER_CLASS}
        style={{ width: layout.total, height: virtualizer.getTotalSize() }}
      >
        <div
          className={HEADER_CLASS}
          role="row"
          aria-rowindex={1}
          style={{ width: layout.total, height: HEADER_HEIGHT }}
        >
          <div
            className={`${CELL_CLASS} ${PINNED_CLASS}`}
            role="columnheader"
            style={{ width: CHECK_WIDTH, minWidth: CHECK_WIDTH, left: 0 }}
          >
            <input
              type="checkbox"
              tabIndex={-1}
              aria-label={trans.__('Select all runs')}
              checked={allSelected}
              ref={el => {
                if (el) {
                  el.indeterminate = selection.size > 0 && !allSelected;
                }
              }}
              onChange={() =>
                props.onSelectionChange(
                  allSelected ? new Set() : new Set(runs.map(r => r.run_id))
                )
              }
            />
          </div>
          {columns.map(column => {
            const sorted = sort?.columnId === column.id ? sort : null;
            return (
              <div
                key={column.id}
                className={cellClass(column)}
                style={cellStyle(column)}
                role="columnheader"
                data-column-id={column.id}
                aria-sort={
                  sorted
                    ? sorted.descending
                      ? 'descending'
                      : 'ascending'
                    : 'none'
                }
                title={`${column.id}${column.sortKey ? ` — ${trans.__('click to sort')}` : ''}`}
                onClick={() => onHeaderClick(column)}
              >
                <span>{column.label}</span>
                {sorted && (
                  <span aria-hidden>{sorted.descending ? ' ▼' : ' ▲'}</span>
                )}
                <span
                  className={RESIZER_CLASS}
                  role="separator"
                  aria-orientation="vertical"
                  aria-label={trans.__('Resize column %1', column.label)}
                  onPointerDown={event => startResize(event, column)}
                  onClick={event => event.stopPropagation()}
                />
              </div>
            );
          })}
        </div>
        {items.map(item => {
          const run = runs[item.index];
          const selected = selection.has(run.run_id);
          const classes = [
            ROW_CLASS,
            selected ? SELECTED_CLASS : '',
            item.index === focused ? FOCUSED_CLASS : '',
            run.lifecycle_stage === 'deleted' ? DELETED_CLASS : ''
          ]
            .filter(Boolean)
            .join(' ');
          return (
            <div
              key={run.run_id}
              id={`${gridId}-row-${item.index}`}
              className={classes}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={selected}
              data-run-id={run.run_id}
              style={{
                width: layout.total,
                height: ROW_HEIGHT,
                transform: `translateY(${item.start}px)`
              }}
              onClick={event => onRowClick(event, item.index)}
              onDoubleClick={() => props.onOpenRun(run)}
              onContextMenu={event => {
                setFocused(item.index);
                props.onContextMenu?.(run, event);
              }}
            >
              <div
                className={`${CELL_CLASS} ${PINNED_CLASS}`}
                role="gridcell"
                style={{ width: CHECK_WIDTH, minWidth: CHECK_WIDTH, left: 0 }}
              >
                <input
                  type="checkbox"
                  tabIndex={-1}
                  aria-label={trans.__('Select run %1', run.name)}
                  checked={selected}
                  onClick={event => event.stopPropagation()}
                  onChange={() => toggle(run.run_id)}
                />
              </div>
              {columns.map(column => (
                <div
                  key={column.id}
                  className={cellClass(column)}
                  style={cellStyle(column)}
                  role="gridcell"
                  data-column-id={column.id}
                >
                  <Cell
                    run={run}
                    column={column}
                    onOpenRun={props.onOpenRun}
                    onOpenSource={props.onOpenSource}
                    trans={trans}
                  />
                </div>
              ))}
            </div>
          );
        })}
      </div>
      {runs.length === 0 && !props.loading && (
        <p className={EMPTY_CLASS}>{trans.__('No runs match.')}</p>
      )}
    </div>
  );
}

function Cell(props: {
  run: IRun;
  column: IColumn;
  onOpenRun: (run: IRun) => void;
  onOpenSource: (run: IRun) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { run, column, trans } = props;
  const text = column.format(run);
  if (column.id === 'attributes.run_name') {
    return (
      <button
        type="button"
        tabIndex={-1}
        className={LINK_CLASS}
        title={trans.__('Open run %1', text)}
        onClick={event => {
          event.stopPropagation();
          props.onOpenRun(run);
        }}
      >
        {text}
      </button>
    );
  }
  if (column.id === 'attributes.source_notebook' && text) {
    return (
      <button
        type="button"
        tabIndex={-1}
        className={LINK_CLASS}
        title={trans.__('Open %1 at the cell that produced this run', text)}
        onClick={event => {
          event.stopPropagation();
          props.onOpenSource(run);
        }}
      >
        {text}
      </button>
    );
  }
  if (column.id === 'attributes.status') {
    return (
      <span
        className={`${BADGE_CLASS} ${STATUS_CLASS} ${STATUS_CLASS}-${text.toLowerCase()}`}
      >
        {text}
      </span>
    );
  }
  return <span title={text}>{text}</span>;
}
