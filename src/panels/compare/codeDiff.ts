/*
 * Pure logic of the Code tab of Compare (two runs): the runs' captured code
 * paths aligned cell by cell (by cell id), a line diff per changed cell, and
 * the package versions, git state and params that differ. The result is one
 * flat list of rows, so the tab can virtualize it however long it is.
 */
import { diffArrays, diffLines } from 'diff';

import { ICodePathCells } from '../../api/capture';
import { IRun } from '../../api/tracking';

/** One executed cell of a run's code path. */
export interface ICodeCell {
  /** The notebook cell's id (`null` when the kernel did not know it). */
  cellId: string | null;
  /** The kernel's execution count (`null` for the run's own cell). */
  executionCount: number | null;
  source: string;
}

export type CellStatus = 'unchanged' | 'changed' | 'added' | 'removed';

/** One cell of the aligned code paths. */
export interface ICellDiff {
  cellId: string | null;
  status: CellStatus;
  /** The cell is in both runs, at another place of the code path. */
  moved: boolean;
  /** The source in the first run (`null`: added in the second). */
  before: string | null;
  /** The source in the second run (`null`: removed in the second). */
  after: string | null;
}

/** One line of a line diff, with its line numbers on each side. */
export interface IDiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
  oldLine: number | null;
  newLine: number | null;
}

/** A key whose value differs between the runs ('' when a run has none). */
export interface IValueDiff {
  key: string;
  before: string;
  after: string;
}

/** What automatic tracking captured for one run (null: not captured). */
export interface ICapturedRun {
  run: IRun;
  /** `mlplatform/code_path.json`: the cells executed before the run's cell. */
  codePathCells?: string | null;
  /** `mlplatform/code_path.py`: the same as a script (runs from before the JSON). */
  codePath: string | null;
  /** `mlplatform/cell.py`: the run's own cell. */
  cell: string | null;
  /** `mlplatform/environment.json`. */
  environment: string | null;
  /** `mlplatform/git.diff`: the uncommitted changes. */
  gitDiff: string | null;
}

/** A row of the Code tab. */
export type CodeDiffRow =
  | { type: 'heading'; text: string }
  | { type: 'note'; text: string }
  | { type: 'cell'; cell: ICellDiff }
  | { type: 'line'; line: IDiffLine }
  | { type: 'value'; value: IValueDiff };

/**
 * The most edits a line diff looks for before it gives up and shows the whole
 * old text removed and the new one added (keeps huge, unrelated cells fast).
 */
export const MAX_EDIT_LENGTH = 2000;

const CELL_HEADER = /^# %% In \[(\d+)\] cell (\S+)$/;

/**
 * The cells of `mlplatform/code_path.py`, the percent-format script
 * automatic tracking writes (`autolog/kernel/capture.py`), oldest first.
 */
export function parseCodePath(text: string): ICodeCell[] {
  const cells: ICodeCell[] = [];
  let current: { cell: ICodeCell; lines: string[] } | null = null;
  const close = (): void => {
    if (current) {
      const lines = current.lines;
      // Each cell is followed by one blank separator line.
      if (lines.length > 0 && lines[lines.length - 1] === '') {
        lines.pop();
      }
      cells.push({ ...current.cell, source: lines.join('\n') });
    }
  };
  for (const line of text.split('\n')) {
    const header = CELL_HEADER.exec(line);
    if (header) {
      close();
      current = {
        cell: {
          cellId: header[2] === 'unknown' ? null : header[2],
          executionCount: Number(header[1]),
          source: ''
        },
        lines: []
      };
    } else if (current) {
      current.lines.push(line);
    }
  }
  close();
  return cells;
}

/**
 * The cells of `mlplatform/code_path.json`, or null when it is not such a file.
 */
export function parseCodePathCells(text: string): ICodeCell[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const cells = (parsed as Partial<ICodePathCells> | null)?.cells;
  if (!Array.isArray(cells)) {
    return null;
  }
  const result: ICodeCell[] = [];
  for (const cell of cells) {
    if (typeof cell?.source !== 'string') {
      return null;
    }
    result.push({
      cellId: typeof cell.cell_id === 'string' ? cell.cell_id : null,
      executionCount:
        typeof cell.execution_count === 'number' ? cell.execution_count : null,
      source: trimEnd(cell.source)
    });
  }
  return result;
}

/**
 * A run's code path: the cells executed before it (from `code_path.json`,
 * else parsed from `code_path.py`), then its own cell (whose id the run's
 * source records).
 */
export function runCells(captured: ICapturedRun): ICodeCell[] {
  const cells =
    (captured.codePathCells
      ? parseCodePathCells(captured.codePathCells)
      : null) ?? (captured.codePath ? parseCodePath(captured.codePath) : []);
  if (captured.cell !== null) {
    cells.push({
      cellId: captured.run.source?.cell_id ?? null,
      executionCount: null,
      source: trimEnd(captured.cell)
    });
  }
  return cells;
}

/**
 * The cells of two code paths aligned by cell id, in the second run's order
 * with the first run's removed cells where they were. A cell executed several
 * times counts once, with its last source (the one that made the state).
 * Cells without an id match only an identical cell without an id.
 */
export function alignCells(
  before: readonly ICodeCell[],
  after: readonly ICodeCell[]
): ICellDiff[] {
  const a = lastExecutions(before);
  const b = lastExecutions(after);
  const keysA = [...a.keys()];
  const keysB = [...b.keys()];
  const onlyA = new Set(keysA.filter(key => !b.has(key)));
  const result: ICellDiff[] = [];
  const pair = (key: string, moved: boolean): void => {
    const x = a.get(key)!;
    const y = b.get(key)!;
    result.push({
      cellId: y.cellId,
      status: x.source === y.source ? 'unchanged' : 'changed',
      moved,
      before: x.source,
      after: y.source
    });
  };
  for (const change of diffArrays(keysA, keysB)) {
    for (const key of change.value) {
      if (!change.added && !change.removed) {
        pair(key, false);
      } else if (change.removed && onlyA.has(key)) {
        const x = a.get(key)!;
        result.push({
          cellId: x.cellId,
          status: 'removed',
          moved: false,
          before: x.source,
          after: null
        });
      } else if (change.added && a.has(key)) {
        pair(key, true);
      } else if (change.added) {
        const y = b.get(key)!;
        result.push({
          cellId: y.cellId,
          status: 'added',
          moved: false,
          before: null,
          after: y.source
        });
      }
      // A removed key that the second run has elsewhere shows where it is now.
    }
  }
  return result;
}

/**
 * The line diff of two texts. Past `maxEditLength` edits it gives up on
 * finding the common lines: every old line is removed, every new one added.
 */
export function lineDiff(
  before: string,
  after: string,
  maxEditLength = MAX_EDIT_LENGTH
): IDiffLine[] {
  const oldText = withFinalNewline(before);
  const newText = withFinalNewline(after);
  const changes = diffLines(oldText, newText, { maxEditLength }) ?? [
    { value: oldText, removed: true, added: false, count: 0 },
    { value: newText, added: true, removed: false, count: 0 }
  ];
  const lines: IDiffLine[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const change of changes) {
    for (const text of splitLines(change.value)) {
      if (change.added) {
        lines.push({ kind: 'add', text, oldLine: null, newLine: newLine++ });
      } else if (change.removed) {
        lines.push({ kind: 'del', text, oldLine: oldLine++, newLine: null });
      } else {
        lines.push({
          kind: 'same',
          text,
          oldLine: oldLine++,
          newLine: newLine++
        });
      }
    }
  }
  return lines;
}

/**
 * The installed packages (and Python) whose versions differ, by name.
 */
export function packageDiffs(
  before: string | null,
  after: string | null
): IValueDiff[] {
  return valueDiffs(packages(before), packages(after), (x, y) =>
    x.toLowerCase().localeCompare(y.toLowerCase())
  );
}

/** The params whose values differ between the two runs. */
export function paramDiffs(before: IRun, after: IRun): IValueDiff[] {
  return valueDiffs(before.params, after.params, (x, y) =>
    x < y ? -1 : x > y ? 1 : 0
  );
}

/** The Code tab's sections as one list of rows. */
export function codeDiffRows(
  before: ICapturedRun,
  after: ICapturedRun,
  labels: IRowLabels
): CodeDiffRow[] {
  const rows: CodeDiffRow[] = [];
  // Code.
  rows.push({ type: 'heading', text: labels.code });
  const cellsA = runCells(before);
  const cellsB = runCells(after);
  if (cellsA.length === 0 && cellsB.length === 0) {
    rows.push({ type: 'note', text: labels.noCode });
  } else {
    const cells = alignCells(cellsA, cellsB);
    if (cells.every(cell => cell.status === 'unchanged' && !cell.moved)) {
      rows.push({ type: 'note', text: labels.sameCode });
    }
    for (const cell of cells) {
      rows.push({ type: 'cell', cell });
      if (cell.status !== 'unchanged') {
        for (const line of lineDiff(cell.before ?? '', cell.after ?? '')) {
          rows.push({ type: 'line', line });
        }
      }
    }
  }
  // Packages.
  rows.push({ type: 'heading', text: labels.packages });
  if (before.environment === null || after.environment === null) {
    rows.push({ type: 'note', text: labels.noEnvironment });
  } else {
    const diffs = packageDiffs(before.environment, after.environment);
    if (diffs.length === 0) {
      rows.push({ type: 'note', text: labels.samePackages });
    }
    diffs.forEach(value => rows.push({ type: 'value', value }));
  }
  // Git.
  rows.push({ type: 'heading', text: labels.git });
  const git = valueDiffs(gitTags(before.run), gitTags(after.run), () => 0);
  git.forEach(value => rows.push({ type: 'value', value }));
  const diffA = before.gitDiff ?? '';
  const diffB = after.gitDiff ?? '';
  if (diffA === diffB) {
    rows.push({
      type: 'note',
      text: git.length === 0 ? labels.sameGit : labels.sameUncommitted
    });
  } else {
    rows.push({ type: 'note', text: labels.uncommitted });
    for (const line of lineDiff(diffA, diffB)) {
      rows.push({ type: 'line', line });
    }
  }
  // Params.
  rows.push({ type: 'heading', text: labels.params });
  const params = paramDiffs(before.run, after.run);
  if (params.length === 0) {
    rows.push({ type: 'note', text: labels.sameParams });
  }
  params.forEach(value => rows.push({ type: 'value', value }));
  return rows;
}

/** The (translated) texts of the headings and notes. */
export interface IRowLabels {
  code: string;
  noCode: string;
  sameCode: string;
  packages: string;
  noEnvironment: string;
  samePackages: string;
  git: string;
  sameGit: string;
  sameUncommitted: string;
  uncommitted: string;
  params: string;
  sameParams: string;
}

const GIT_TAGS: Record<string, string> = {
  'mlflow.source.git.commit': 'commit',
  'mlflow.source.git.branch': 'branch',
  'mlplatform.git.dirty': 'uncommitted changes'
};

function gitTags(run: IRun): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [tag, key] of Object.entries(GIT_TAGS)) {
    if (run.tags[tag] !== undefined) {
      tags[key] = run.tags[tag];
    }
  }
  return tags;
}

function valueDiffs(
  before: Record<string, string>,
  after: Record<string, string>,
  order: (x: string, y: string) => number
): IValueDiff[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter(key => (before[key] ?? '') !== (after[key] ?? ''))
    .sort(order)
    .map(key => ({ key, before: before[key] ?? '', after: after[key] ?? '' }));
}

function packages(environment: string | null): Record<string, string> {
  if (environment === null) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(environment);
  } catch {
    return {};
  }
  const result: Record<string, string> = {};
  if (typeof parsed !== 'object' || parsed === null) {
    return result;
  }
  const { python, packages } = parsed as {
    python?: { version?: unknown };
    packages?: unknown;
  };
  if (typeof python?.version === 'string') {
    result['Python'] = python.version;
  }
  if (typeof packages === 'object' && packages !== null) {
    for (const [name, version] of Object.entries(packages)) {
      if (typeof version === 'string') {
        result[name] = version;
      }
    }
  }
  return result;
}

function lastExecutions(cells: readonly ICodeCell[]): Map<string, ICodeCell> {
  const byKey = new Map<string, ICodeCell>();
  for (const cell of cells) {
    const key =
      cell.cellId !== null ? `id:${cell.cellId}` : `source:${cell.source}`;
    // Re-inserting moves the key to its last execution.
    byKey.delete(key);
    byKey.set(key, cell);
  }
  return byKey;
}

function trimEnd(text: string): string {
  return text.replace(/\n+$/, '');
}

function withFinalNewline(text: string): string {
  const trimmed = trimEnd(text);
  return trimmed === '' ? '' : `${trimmed}\n`;
}

function splitLines(value: string): string[] {
  if (value === '') {
    return [];
  }
  const lines = value.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}
