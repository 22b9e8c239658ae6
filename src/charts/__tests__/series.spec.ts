import { IMetricHistory } from '../../api/tracking';
import { seriesFromHistory } from '../series';

function history(values: IMetricHistory['values']): IMetricHistory {
  return {
    key: 'loss',
    steps: values.map((_, i) => i * 10),
    timestamps: values.map((_, i) => 1_700_000_000_000 + i * 1000),
    values,
    total: values.length,
    downsampled: false
  };
}

describe('seriesFromHistory', () => {
  it('keeps identity, steps and timestamps, and numeric values', () => {
    const h = history([0.5, 0.25, 1e-7]);
    const s = seriesFromHistory(h, 'run-1', 'baseline', '#4e79a7');
    expect(s.id).toBe('run-1');
    expect(s.label).toBe('baseline');
    expect(s.color).toBe('#4e79a7');
    expect(Array.from(s.steps)).toEqual([0, 10, 20]);
    expect(Array.from(s.timestamps)).toEqual(h.timestamps);
    expect(Array.from(s.values)).toEqual([0.5, 0.25, 1e-7]);
  });

  it('turns NaN and both infinities into gaps', () => {
    const s = seriesFromHistory(
      history([1, 'NaN', 'Infinity', '-Infinity', 2]),
      'r',
      'r',
      'red'
    );
    const values = Array.from(s.values);
    expect(values[0]).toBe(1);
    expect(values.slice(1, 4).every(Number.isNaN)).toBe(true);
    expect(values[4]).toBe(2);
  });

  it('handles an empty history', () => {
    const s = seriesFromHistory(history([]), 'r', 'r', 'red');
    expect(s.values.length).toBe(0);
    expect(s.steps.length).toBe(0);
  });
});
