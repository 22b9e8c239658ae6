import { alignSeries } from '../align';
import { IChartSeries } from '../series';

function series(
  id: string,
  steps: number[],
  values: number[],
  timestamps = steps.map(s => 1_700_000_000_000 + s * 1000)
): IChartSeries {
  return { id, label: id, color: 'red', steps, timestamps, values };
}

describe('alignSeries', () => {
  it('gives uPlot an empty x array for no series', () => {
    expect(alignSeries([], 'step')).toEqual([[]]);
  });

  it('joins on the sorted union of steps', () => {
    const data = alignSeries(
      [series('a', [0, 2, 4], [1, 2, 3]), series('b', [1, 2, 3], [10, 20, 30])],
      'step'
    );
    expect(Array.from(data[0])).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(data[1])).toEqual([1, undefined, 2, undefined, 3]);
    expect(Array.from(data[2])).toEqual([undefined, 10, 20, 30, undefined]);
  });

  it('marks gaps (NaN) with null, distinct from missing points', () => {
    const data = alignSeries(
      [series('a', [0, 1, 2], [1, NaN, 3]), series('b', [0, 3], [5, 6])],
      'step'
    );
    expect(Array.from(data[1])).toEqual([1, null, 3, undefined]);
    expect(Array.from(data[2])).toEqual([5, undefined, undefined, 6]);
  });

  it('sorts an unordered series and keeps the last value of a repeated x', () => {
    const data = alignSeries(
      [series('a', [2, 0, 1, 1], [20, 0, 10, 11])],
      'step'
    );
    expect(Array.from(data[0])).toEqual([0, 1, 2]);
    expect(Array.from(data[1])).toEqual([0, 11, 20]);
  });

  it('uses seconds since the epoch in time mode', () => {
    const data = alignSeries(
      [series('a', [0, 1], [1, 2], [1_700_000_000_000, 1_700_000_001_500])],
      'time'
    );
    expect(Array.from(data[0])).toEqual([1_700_000_000, 1_700_000_001.5]);
  });

  it("uses seconds since each series' own first point in relative mode", () => {
    const data = alignSeries(
      [
        series('a', [0, 1], [1, 2], [1_000_000, 1_002_000]),
        series('b', [0, 1], [3, 4], [9_000_000, 9_001_000])
      ],
      'relative'
    );
    expect(Array.from(data[0])).toEqual([0, 1, 2]);
    expect(Array.from(data[1])).toEqual([1, undefined, 2]);
    expect(Array.from(data[2])).toEqual([3, 4, undefined]);
  });

  it('aligns many long series quickly', () => {
    const steps = Array.from({ length: 10_000 }, (_, i) => i);
    const runs = Array.from({ length: 20 }, (_, r) =>
      series(
        `r${r}`,
        steps,
        steps.map(s => Math.sin(s / 100 + r))
      )
    );
    const start = performance.now();
    const data = alignSeries(runs, 'step');
    const elapsed = performance.now() - start;
    expect(data).toHaveLength(21);
    expect(data[0]).toHaveLength(10_000);
    // Generous: the browser target for the whole chart is 500 ms.
    expect(elapsed).toBeLessThan(500);
  });
});
