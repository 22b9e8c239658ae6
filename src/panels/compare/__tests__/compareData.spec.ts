import { IRun } from '../../../api/tracking';
import { makeRun } from '../../../__tests__/fakeServer';
import {
  compareRows,
  differingParams,
  metricValues,
  paramValues,
  unionKeys
} from '../compareData';

function run(id: string, extra: Record<string, unknown>): IRun {
  return makeRun(id, '1', id, extra) as unknown as IRun;
}

const metric = (value: number | string) => ({ value, step: 0, timestamp: 0 });

const runs = [
  run('a', {
    params: { lr: '0.1', model: 'rf' },
    metrics: { acc: metric(0.8) }
  }),
  run('b', {
    params: { lr: '0.01', model: 'rf' },
    metrics: { acc: metric(0.9), loss: metric('NaN') }
  })
];

describe('compare data', () => {
  it('unions keys', () => {
    expect(unionKeys(runs, 'metrics')).toEqual(['acc', 'loss']);
  });

  it('marks rows that differ and can keep only those', () => {
    const all = compareRows(runs, false);
    expect(all.map(r => `${r.kind}.${r.key}:${r.differs}`)).toEqual([
      'param.lr:true',
      'param.model:false',
      'metric.acc:true',
      'metric.loss:true'
    ]);
    expect(all[3].cells).toEqual(['', 'NaN']);
    expect(compareRows(runs, true).map(r => r.key)).toEqual([
      'lr',
      'acc',
      'loss'
    ]);
  });

  it('reads numeric params as numbers, others as strings', () => {
    expect(paramValues(runs, 'lr')).toEqual([0.1, 0.01]);
    expect(paramValues(runs, 'model')).toEqual(['rf', 'rf']);
    expect(paramValues([...runs, run('c', {})], 'lr')).toEqual([
      0.1,
      0.01,
      null
    ]);
  });

  it('drops metric values that are not finite', () => {
    expect(metricValues(runs, 'loss')).toEqual([null, null]);
    expect(metricValues(runs, 'acc')).toEqual([0.8, 0.9]);
  });

  it('finds the params that vary', () => {
    expect(differingParams(runs)).toEqual(['lr']);
  });
});
