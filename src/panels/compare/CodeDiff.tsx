import { TranslationBundle } from '@jupyterlab/translation';
import { useVirtualizer } from '@tanstack/react-virtual';
import * as React from 'react';

import { CAPTURE_DIR, CODE_PATH_CELLS } from '../../api/capture';
import { IRun, TrackingClient } from '../../api/tracking';
import { decodeText, fetchArtifact } from '../run/artifacts/fetchArtifact';
import {
  CodeDiffRow,
  codeDiffRows,
  ICapturedRun,
  ICellDiff,
  IRowLabels
} from './codeDiff';

const DIFF_CLASS = 'jp-mlp-CodeDiff';
const ROW_CLASS = 'jp-mlp-CodeDiff-row';
const EMPTY_CLASS = 'jp-mlp-CodeDiff-empty';

/** Row height in pixels (fixed: the list is virtualized). */
export const ROW_HEIGHT = 20;
const HEADING_HEIGHT = 36;

/** The most bytes read of one captured file. */
const MAX_BYTES = 5 * 1024 * 1024;

const FILES = {
  codePathCells: CODE_PATH_CELLS,
  codePath: `${CAPTURE_DIR}/code_path.py`,
  cell: `${CAPTURE_DIR}/cell.py`,
  environment: `${CAPTURE_DIR}/environment.json`,
  gitDiff: `${CAPTURE_DIR}/git.diff`
} as const;

export interface ICodeDiffProps {
  client: TrackingClient;
  /** The two runs, first then second. */
  runs: readonly [IRun, IRun];
  trans: TranslationBundle;
}

/**
 * The Code tab of Compare: the two runs' code paths aligned cell by cell
 * (a line diff for each changed cell), then the package versions, git state
 * and params that differ. Only the rows in view are in the DOM.
 */
export function CodeDiff(props: ICodeDiffProps): JSX.Element {
  const { client, runs, trans } = props;
  const [captured, setCaptured] = React.useState<
    [ICapturedRun, ICapturedRun] | null
  >(null);
  const [error, setError] = React.useState<string | null>(null);
  const [first, second] = runs;

  React.useEffect(() => {
    let cancelled = false;
    Promise.all([loadCaptured(client, first), loadCaptured(client, second)])
      .then(loaded => {
        if (!cancelled) {
          setCaptured(loaded);
        }
      })
      .catch(reason => {
        if (!cancelled) {
          setError(reason instanceof Error ? reason.message : String(reason));
        }
      });
    return () => {
      cancelled = true;
    };
  }, [client, first.run_id, second.run_id]);

  const rows = React.useMemo(
    () =>
      captured === null
        ? []
        : codeDiffRows(
            // The runs' latest params and tags, with the files loaded once.
            { ...captured[0], run: first },
            { ...captured[1], run: second },
            labels(trans)
          ),
    [captured, first, second, trans]
  );

  if (error !== null) {
    return (
      <p className={EMPTY_CLASS} role="alert">
        {trans.__('Could not load the captured code: %1', error)}
      </p>
    );
  }
  if (captured === null) {
    return <p className={EMPTY_CLASS}>{trans.__('Loading…')}</p>;
  }
  return <CodeDiffRows rows={rows} trans={trans} />;
}

/** The rows, virtualized. */
export function CodeDiffRows(props: {
  rows: readonly CodeDiffRow[];
  trans: TranslationBundle;
}): JSX.Element {
  const { rows, trans } = props;
  const scroller = React.useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: index =>
      rows[index].type === 'heading' || rows[index].type === 'cell'
        ? HEADING_HEIGHT
        : ROW_HEIGHT,
    overscan: 20
  });
  return (
    <div
      className={DIFF_CLASS}
      ref={scroller}
      role="list"
      aria-label={trans.__('Code differences')}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map(item => (
          <div
            key={item.key}
            role="listitem"
            className={`${ROW_CLASS} ${DIFF_CLASS}-${rowClass(rows[item.index])}`}
            style={{
              position: 'absolute',
              top: 0,
              left: 0,
              minWidth: '100%',
              height: item.size,
              transform: `translateY(${item.start}px)`
            }}
          >
            {renderRow(rows[item.index], trans)}
          </div>
        ))}
      </div>
    </div>
  );
}

function rowClass(row: CodeDiffRow): string {
  switch (row.type) {
    case 'line':
      return row.line.kind;
    case 'cell':
      return `cell jp-mlp-mod-${row.cell.status}`;
    default:
      return row.type;
  }
}

function renderRow(row: CodeDiffRow, trans: TranslationBundle): JSX.Element {
  switch (row.type) {
    case 'heading':
      return <h3>{row.text}</h3>;
    case 'note':
      return <span>{row.text}</span>;
    case 'cell':
      return <span>{cellTitle(row.cell, trans)}</span>;
    case 'line': {
      const { kind, text, oldLine, newLine } = row.line;
      return (
        <code>
          <span className="jp-mlp-CodeDiff-number">{oldLine ?? ''}</span>
          <span className="jp-mlp-CodeDiff-number">{newLine ?? ''}</span>
          <span className="jp-mlp-CodeDiff-sign">
            {kind === 'add' ? '+' : kind === 'del' ? '-' : ' '}
          </span>
          {text}
        </code>
      );
    }
    case 'value':
      return (
        <span>
          <b>{row.value.key}</b>
          {': '}
          <span className="jp-mlp-CodeDiff-before">
            {row.value.before || trans.__('(none)')}
          </span>
          {' → '}
          <span className="jp-mlp-CodeDiff-after">
            {row.value.after || trans.__('(none)')}
          </span>
        </span>
      );
  }
}

function cellTitle(cell: ICellDiff, trans: TranslationBundle): string {
  const id = cell.cellId ?? trans.__('(no id)');
  const moved = cell.moved ? trans.__(', moved') : '';
  switch (cell.status) {
    case 'added':
      return trans.__('Cell %1: added%2', id, moved);
    case 'removed':
      return trans.__('Cell %1: removed%2', id, moved);
    case 'changed':
      return trans.__('Cell %1: changed%2', id, moved);
    default:
      return trans.__('Cell %1: unchanged%2', id, moved);
  }
}

function labels(trans: TranslationBundle): IRowLabels {
  return {
    code: trans.__('Code path, cell by cell'),
    noCode: trans.__(
      'Neither run has captured code: they were logged without automatic tracking.'
    ),
    sameCode: trans.__('The runs executed the same cells.'),
    packages: trans.__('Package versions that differ'),
    noEnvironment: trans.__('A run has no captured environment.'),
    samePackages: trans.__('The runs had the same package versions.'),
    git: trans.__('Git'),
    sameGit: trans.__('The same git commit and uncommitted changes.'),
    sameUncommitted: trans.__('The same uncommitted changes.'),
    uncommitted: trans.__('The uncommitted changes differ:'),
    params: trans.__('Params that differ'),
    sameParams: trans.__('The runs have the same params.')
  };
}

/** The files automatic tracking captured for a run (null where none). */
async function loadCaptured(
  client: TrackingClient,
  run: IRun
): Promise<ICapturedRun> {
  const captured: ICapturedRun = {
    run,
    codePathCells: null,
    codePath: null,
    cell: null,
    environment: null,
    gitDiff: null
  };
  let present: Set<string>;
  try {
    const listing = await client.listArtifacts(run.run_id, CAPTURE_DIR);
    present = new Set(listing.files.map(f => f.path));
  } catch (reason) {
    // A run without captured files has no such folder: that is no error.
    if ((reason as { response?: Response })?.response?.status === 404) {
      return captured;
    }
    throw reason;
  }
  for (const [field, path] of Object.entries(FILES) as Array<
    [keyof typeof FILES, string]
  >) {
    // The script is only read for runs from before the JSON.
    if (
      !present.has(path) ||
      (field === 'codePath' && captured.codePathCells !== null)
    ) {
      continue;
    }
    const fetched = await fetchArtifact(client, run.run_id, path, {
      maxBytes: MAX_BYTES
    });
    if (fetched.status === 'ok') {
      captured[field] = decodeText(fetched.bytes);
    } else if (fetched.status === 'error') {
      throw new Error(fetched.message);
    }
  }
  return captured;
}
