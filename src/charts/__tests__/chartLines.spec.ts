import { chartLines, hasPoints, linesKey } from '../chartLines';
import { IChartSeries } from '../series';

function series(id: string, values: number[]): IChartSeries {
  const steps = values.map((_, i) => i);
  return { id, label: id, color: 'red', steps, timestamps: steps, values };
}

describe('chartLines', () => {
  it('gives one line per series without smoothing', () => {
    const lines = chartLines([series('a', [1, 2]), series('b', [3])], 0, false);
    expect(lines.map(l => [l.id, l.faint])).toEqual([
      ['a', false],
      ['b', false]
    ]);
    expect(Array.from(lines[0].values)).toEqual([1, 2]);
  });

  it('gives a faint raw line then the smoothed line when smoothing', () => {
    const lines = chartLines([series('a', [0, 10, 10])], 0.5, false);
    expect(lines.map(l => l.faint)).toEqual([true, false]);
    expect(Array.from(lines[0].values)).toEqual([0, 10, 10]);
    expect(lines[1].values[2]).toBeLessThan(10);
    expect(lines[1].values[2]).toBeGreaterThan(0);
  });

  it('drops values at or below zero on a log scale, after smoothing', () => {
    const [raw, smoothed] = chartLines([series('a', [-1, 0, 4, 8])], 0.5, true);
    expect(
      Array.from(raw.values).map(v => (Number.isNaN(v) ? null : v))
    ).toEqual([null, null, 4, 8]);
    // The average saw -1 and 0: its third point is below 4.
    expect(smoothed.values[2]).toBeLessThan(4);
    expect(smoothed.values[2]).toBeGreaterThan(0);
  });
});

describe('hasPoints', () => {
  it('is false when no line has a finite value', () => {
    expect(hasPoints([])).toBe(false);
    expect(hasPoints([series('a', [NaN])])).toBe(false);
    expect(hasPoints([series('a', [NaN]), series('b', [NaN, 1])])).toBe(true);
  });
});

describe('linesKey', () => {
  it('changes with the lines, not with their values', () => {
    const a = chartLines([series('a', [1])], 0, false);
    const aMore = chartLines([series('a', [1, 2, 3])], 0, false);
    const b = chartLines([series('b', [1])], 0, false);
    const aSmoothed = chartLines([series('a', [1])], 0.5, false);
    expect(linesKey(aMore)).toBe(linesKey(a));
    expect(linesKey(b)).not.toBe(linesKey(a));
    expect(linesKey(aSmoothed)).not.toBe(linesKey(a));
  });
});
