import { nullTranslator } from '@jupyterlab/translation';

import { IRun } from '../../../api/tracking';
import { makeRun } from '../../../__tests__/fakeServer';
import {
  defaultColumnIds,
  makeColumn,
  parseColumnId,
  runDuration,
  searchIdentifier,
  toCsv
} from '../columns';
import { formatDuration } from '../../format';

const trans = nullTranslator.load('jupyterlab_mlplatform');

function run(extra: Record<string, unknown> = {}): IRun {
  return makeRun('r1', '1', 'first', extra) as unknown as IRun;
}

describe('column ids', () => {
  it('round-trip between kind/key and id, keys may hold dots', () => {
    expect(parseColumnId('metrics.val.loss')).toEqual({
      kind: 'metric',
      key: 'val.loss'
    });
    expect(parseColumnId('attributes.user')).toEqual({
      kind: 'attribute',
      key: 'user'
    });
    expect(parseColumnId('nothing')).toBeNull();
    expect(parseColumnId('other.x')).toBeNull();
  });

  it('quote keys that are not plain names for the search grammar', () => {
    expect(searchIdentifier('metric', 'acc')).toBe('metrics.acc');
    expect(searchIdentifier('param', 'learning rate')).toBe(
      'params.`learning rate`'
    );
    expect(searchIdentifier('tag', 'mlflow.user')).toBe('tags.`mlflow.user`');
  });
});

describe('makeColumn', () => {
  it('reads metrics as numbers and formats them', () => {
    const column = makeColumn('metrics.acc', trans)!;
    const r = run({
      metrics: { acc: { value: 0.912345, step: 3, timestamp: 1 } }
    });
    expect(column.value(r)).toBeCloseTo(0.912345);
    expect(column.format(r)).toBe('0.9123');
    expect(column.sortKey).toBe('metrics.acc');
    expect(column.numeric).toBe(true);
    expect(column.value(run())).toBeNull();
  });

  it('sorts params by their quoted identifier', () => {
    const column = makeColumn('params.n estimators', trans)!;
    expect(column.sortKey).toBe('params.`n estimators`');
    expect(column.value(run({ params: { 'n estimators': '10' } }))).toBe('10');
  });

  it('knows the attributes and refuses unknown ones', () => {
    expect(makeColumn('attributes.user', trans)!.format(run())).toBe('alice');
    expect(makeColumn('attributes.source_notebook', trans)!.value(run())).toBe(
      'train.ipynb'
    );
    expect(makeColumn('attributes.colour', trans)).toBeNull();
  });
});

describe('defaultColumnIds', () => {
  it('adds the first metrics and params to the attributes', () => {
    const ids = defaultColumnIds(
      {
        params: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
        metrics: ['acc'],
        tags: ['t']
      },
      ['attributes.run_name']
    );
    expect(ids).toEqual([
      'attributes.run_name',
      'metrics.acc',
      'params.a',
      'params.b',
      'params.c',
      'params.d',
      'params.e',
      'params.f'
    ]);
  });
});

describe('toCsv', () => {
  it('writes raw values and quotes what needs it', () => {
    const columns = ['attributes.run_name', 'params.note', 'metrics.acc'].map(
      id => makeColumn(id, trans)!
    );
    const runs = [
      run({
        name: 'a,b',
        params: { note: 'said "hi"' },
        metrics: { acc: { value: 0.5, step: 0, timestamp: 0 } }
      }),
      run({ name: 'plain' })
    ];
    expect(toCsv(runs, columns)).toBe(
      'attributes.run_name,params.note,metrics.acc\r\n' +
        '"a,b","said ""hi""",0.5\r\n' +
        'plain,,\r\n'
    );
  });
});

describe('durations', () => {
  it('measure finished runs from start to end', () => {
    const r = run({ start_time: 1000, end_time: 4500, status: 'FINISHED' });
    expect(runDuration(r)).toBe(3500);
    expect(runDuration(run({ start_time: 1000 }), 2000)).toBe(1000);
    expect(
      runDuration(run({ status: 'FAILED', end_time: null }), 5000)
    ).toBeNull();
  });

  it('format at a readable scale', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(7_380_000)).toBe('2h 03m');
    expect(formatDuration(3 * 86_400_000 + 3_600_000)).toBe('3d 01h');
  });
});
