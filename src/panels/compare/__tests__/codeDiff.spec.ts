import { IRun } from '../../../api/tracking';
import { makeRun } from '../../../__tests__/fakeServer';
import {
  alignCells,
  CodeDiffRow,
  codeDiffRows,
  ICapturedRun,
  ICodeCell,
  IRowLabels,
  lineDiff,
  packageDiffs,
  paramDiffs,
  parseCodePath,
  parseCodePathCells,
  runCells
} from '../codeDiff';

/** `mlplatform/code_path.py` as `autolog/kernel/capture.py` writes it. */
function codePath(cells: Array<[number, string | null, string]>): string {
  const lines = [
    "# The cells this kernel executed before the run's cell, oldest first.",
    `# ${cells.length} cell(s); each '# %%' line gives its execution count and cell id.`,
    ''
  ];
  for (const [count, id, source] of cells) {
    lines.push(`# %% In [${count}] cell ${id ?? 'unknown'}`);
    lines.push(source.replace(/\n+$/, ''));
    lines.push('');
  }
  return lines.join('\n');
}

type CellRow = Extract<CodeDiffRow, { type: 'cell' }>;
type LineRow = Extract<CodeDiffRow, { type: 'line' }>;
type ValueRow = Extract<CodeDiffRow, { type: 'value' }>;

const cell = (cellId: string | null, source: string): ICodeCell => ({
  cellId,
  executionCount: null,
  source
});

const run = (id: string, extra: Record<string, unknown> = {}): IRun =>
  makeRun(id, '1', id, extra) as unknown as IRun;

const labels: IRowLabels = {
  code: 'CODE',
  noCode: 'NO CODE',
  sameCode: 'SAME CODE',
  packages: 'PACKAGES',
  noEnvironment: 'NO ENV',
  samePackages: 'SAME PACKAGES',
  git: 'GIT',
  sameGit: 'SAME GIT',
  sameUncommitted: 'SAME UNCOMMITTED',
  uncommitted: 'UNCOMMITTED DIFFER',
  params: 'PARAMS',
  sameParams: 'SAME PARAMS'
};

describe('parseCodePath', () => {
  it('reads the cells, their counts and ids, keeping blank lines inside a cell', () => {
    const text = codePath([
      [1, 'a', 'import numpy as np'],
      [2, null, 'x = 1\n\n\ny = 2'],
      [3, 'c', '# %% not a header\nprint(x)']
    ]);

    expect(parseCodePath(text)).toEqual([
      { cellId: 'a', executionCount: 1, source: 'import numpy as np' },
      { cellId: null, executionCount: 2, source: 'x = 1\n\n\ny = 2' },
      { cellId: 'c', executionCount: 3, source: '# %% not a header\nprint(x)' }
    ]);
  });

  it('reads no cells from an empty code path', () => {
    expect(parseCodePath(codePath([]))).toEqual([]);
    expect(parseCodePath('')).toEqual([]);
  });
});

describe('parseCodePathCells', () => {
  it('reads code_path.json, even a source with a line like a header', () => {
    const source = 'x = 1\n# %% In [9] cell fake\ny = 2\n';
    const text = JSON.stringify({
      cells: [
        { execution_count: 1, cell_id: 'a', source },
        { execution_count: 2, cell_id: null, source: 'z = 3' }
      ]
    });

    expect(parseCodePathCells(text)).toEqual([
      {
        cellId: 'a',
        executionCount: 1,
        source: 'x = 1\n# %% In [9] cell fake\ny = 2'
      },
      { cellId: null, executionCount: 2, source: 'z = 3' }
    ]);
  });

  it('says null for what is not such a file', () => {
    for (const text of [
      '',
      'not json',
      'null',
      '{"cells": 3}',
      '{"cells": [{}]}'
    ]) {
      expect(parseCodePathCells(text)).toBeNull();
    }
  });
});

describe('runCells', () => {
  it('prefers code_path.json and falls back to code_path.py', () => {
    const captured: ICapturedRun = {
      run: run('r1'),
      codePathCells: JSON.stringify({
        cells: [{ execution_count: 1, cell_id: 'json', source: 'a = 1' }]
      }),
      codePath: codePath([[1, 'script', 'a = 1']]),
      cell: null,
      environment: null,
      gitDiff: null
    };

    expect(runCells(captured).map(c => c.cellId)).toEqual(['json']);
    expect(
      runCells({ ...captured, codePathCells: 'broken' }).map(c => c.cellId)
    ).toEqual(['script']);
  });

  it("puts the run's own cell last, with the id its source records", () => {
    const captured: ICapturedRun = {
      run: run('r1', { source: { cell_id: 'fit' } }),
      codePath: codePath([[1, 'load', 'df = load()']]),
      cell: 'model.fit(df)\n',
      environment: null,
      gitDiff: null
    };

    expect(runCells(captured).map(c => [c.cellId, c.source])).toEqual([
      ['load', 'df = load()'],
      ['fit', 'model.fit(df)']
    ]);
  });
});

describe('alignCells', () => {
  it('finds added, removed and changed cells by id', () => {
    const cells = alignCells(
      [cell('a', 'A'), cell('b', 'B'), cell('c', 'C')],
      [cell('a', 'A'), cell('c', 'C2'), cell('d', 'D')]
    );

    expect(cells.map(c => [c.cellId, c.status, c.moved])).toEqual([
      ['a', 'unchanged', false],
      ['b', 'removed', false],
      ['c', 'changed', false],
      ['d', 'added', false]
    ]);
    expect(cells[2]).toMatchObject({ before: 'C', after: 'C2' });
  });

  it('marks a cell executed at another place as moved, in the second order', () => {
    const cells = alignCells(
      [cell('a', 'A'), cell('b', 'B'), cell('c', 'C')],
      [cell('b', 'B'), cell('c', 'C'), cell('a', 'A changed')]
    );

    expect(cells.map(c => [c.cellId, c.status, c.moved])).toEqual([
      ['b', 'unchanged', false],
      ['c', 'unchanged', false],
      ['a', 'changed', true]
    ]);
  });

  it('counts a re-executed cell once, with its last source', () => {
    const cells = alignCells(
      [cell('a', 'lr = 0.1'), cell('b', 'fit()'), cell('a', 'lr = 0.2')],
      [cell('b', 'fit()'), cell('a', 'lr = 0.2')]
    );

    expect(cells.map(c => [c.cellId, c.status, c.moved])).toEqual([
      ['b', 'unchanged', false],
      ['a', 'unchanged', false]
    ]);
  });

  it('matches cells without an id only by identical source', () => {
    const cells = alignCells(
      [cell(null, 'x = 1'), cell(null, 'y = 1')],
      [cell(null, 'x = 1'), cell(null, 'y = 2')]
    );

    expect(cells.map(c => [c.status, c.before, c.after])).toEqual([
      ['unchanged', 'x = 1', 'x = 1'],
      ['removed', 'y = 1', null],
      ['added', null, 'y = 2']
    ]);
  });

  it('says every cell is unchanged for identical runs', () => {
    const cells = [cell('a', 'A'), cell('b', 'B')];

    expect(
      alignCells(cells, cells).every(c => c.status === 'unchanged' && !c.moved)
    ).toBe(true);
  });
});

describe('lineDiff', () => {
  it('numbers the lines on each side', () => {
    expect(lineDiff('a\nb\nc', 'a\nB\nc\nd')).toEqual([
      { kind: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'del', text: 'b', oldLine: 2, newLine: null },
      { kind: 'add', text: 'B', oldLine: null, newLine: 2 },
      { kind: 'same', text: 'c', oldLine: 3, newLine: 3 },
      { kind: 'add', text: 'd', oldLine: null, newLine: 4 }
    ]);
  });

  it('ignores a missing final newline', () => {
    expect(lineDiff('a\n', 'a').map(l => l.kind)).toEqual(['same']);
  });

  it('shows an added and a removed cell as all added and all removed lines', () => {
    expect(lineDiff('', 'x\ny').map(l => l.kind)).toEqual(['add', 'add']);
    expect(lineDiff('x', '').map(l => l.kind)).toEqual(['del']);
  });

  it('diffs huge cells, and gives up finding common lines past the edit limit', () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `x_${i} = ${i}`);
    const changed = [...lines];
    changed[25_000] = 'x_25000 = -1';

    const small = lineDiff(lines.join('\n'), changed.join('\n'));
    expect(small.filter(l => l.kind !== 'same')).toEqual([
      { kind: 'del', text: 'x_25000 = 25000', oldLine: 25_001, newLine: null },
      { kind: 'add', text: 'x_25000 = -1', oldLine: null, newLine: 25_001 }
    ]);

    const unrelated = lines.map(line => `${line} # other`);
    const whole = lineDiff(lines.join('\n'), unrelated.join('\n'), 100);
    expect(whole).toHaveLength(100_000);
    expect(whole[0].kind).toBe('del');
    expect(whole[99_999]).toEqual({
      kind: 'add',
      text: 'x_49999 = 49999 # other',
      oldLine: null,
      newLine: 50_000
    });
  });
});

describe('packageDiffs and paramDiffs', () => {
  const environment = (packages: Record<string, string>, python = '3.12.1') =>
    JSON.stringify({ python: { version: python }, packages });

  it('lists the packages (and Python) whose versions differ, by name', () => {
    expect(
      packageDiffs(
        environment({ numpy: '1.26.0', pandas: '2.2.0', Zlib: '1' }, '3.11.0'),
        environment({ numpy: '2.0.0', pandas: '2.2.0', attrs: '23.1' })
      )
    ).toEqual([
      { key: 'attrs', before: '', after: '23.1' },
      { key: 'numpy', before: '1.26.0', after: '2.0.0' },
      { key: 'Python', before: '3.11.0', after: '3.12.1' },
      { key: 'Zlib', before: '1', after: '' }
    ]);
  });

  it('reads an unreadable environment as empty', () => {
    expect(packageDiffs('not json', 'null')).toEqual([]);
  });

  it('lists the params that differ', () => {
    expect(
      paramDiffs(
        run('r1', { params: { lr: '0.1', depth: '3', seed: '1' } }),
        run('r2', { params: { lr: '0.2', depth: '3', n: '5' } })
      )
    ).toEqual([
      { key: 'lr', before: '0.1', after: '0.2' },
      { key: 'n', before: '', after: '5' },
      { key: 'seed', before: '1', after: '' }
    ]);
  });
});

describe('codeDiffRows', () => {
  const captured = (
    id: string,
    extra: Partial<ICapturedRun> = {},
    runExtra: Record<string, unknown> = {}
  ): ICapturedRun => ({
    run: run(id, runExtra),
    codePath: null,
    cell: null,
    environment: null,
    gitDiff: null,
    ...extra
  });

  it('says so for runs without captured code', () => {
    const rows = codeDiffRows(captured('r1'), captured('r2'), labels);

    expect(rows.slice(0, 2)).toEqual([
      { type: 'heading', text: 'CODE' },
      { type: 'note', text: 'NO CODE' }
    ]);
    expect(rows).toContainEqual({ type: 'note', text: 'NO ENV' });
    expect(rows).toContainEqual({ type: 'note', text: 'SAME GIT' });
    expect(rows).toContainEqual({ type: 'note', text: 'SAME PARAMS' });
  });

  it('shows only the changed cell with lines, and the git and param differences', () => {
    const side = (id: string, lr: string, gitDiff: string, commit: string) =>
      captured(
        id,
        {
          codePath: codePath([[1, 'load', 'df = load()']]),
          cell: `fit(df, lr=${lr})`,
          gitDiff
        },
        {
          source: { cell_id: 'fit' },
          params: { lr },
          tags: { 'mlflow.source.git.commit': commit }
        }
      );
    const first = side('r1', '0.1', '-old\n', 'aaa');
    const second = side('r2', '0.2', '-new\n', 'bbb');

    const rows = codeDiffRows(first, second, labels);

    const cells = rows
      .filter((row): row is CellRow => row.type === 'cell')
      .map(row => row.cell);
    expect(cells.map(c => [c.cellId, c.status])).toEqual([
      ['load', 'unchanged'],
      ['fit', 'changed']
    ]);
    const lines = rows
      .filter((row): row is LineRow => row.type === 'line')
      .map(row => row.line);
    expect(lines.map(l => `${l.kind} ${l.text}`)).toEqual([
      'del fit(df, lr=0.1)',
      'add fit(df, lr=0.2)',
      // The uncommitted diffs, diffed.
      'del -old',
      'add -new'
    ]);
    const values = rows
      .filter((row): row is ValueRow => row.type === 'value')
      .map(row => row.value);
    expect(values).toEqual([
      { key: 'commit', before: 'aaa', after: 'bbb' },
      { key: 'lr', before: '0.1', after: '0.2' }
    ]);
    expect(rows).toContainEqual({ type: 'note', text: 'UNCOMMITTED DIFFER' });
  });

  it('says the code is the same for identical runs', () => {
    const same = {
      codePath: codePath([[1, 'a', 'x = 1']]),
      cell: 'fit()',
      environment: JSON.stringify({ packages: { numpy: '2.0' } })
    };
    const rows = codeDiffRows(
      captured('r1', same),
      captured('r2', same),
      labels
    );

    expect(rows).toContainEqual({ type: 'note', text: 'SAME CODE' });
    expect(rows).toContainEqual({ type: 'note', text: 'SAME PACKAGES' });
    expect(rows.some(row => row.type === 'line')).toBe(false);
  });
});
