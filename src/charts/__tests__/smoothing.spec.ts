import { smoothEma } from '../smoothing';

describe('smoothEma', () => {
  it('returns the values unchanged with weight 0', () => {
    const values = [3, -1, 4.5, 1e9, 0];
    expect(Array.from(smoothEma(values, 0))).toEqual(values);
  });

  it('is debiased: the first value is kept and a constant stays constant', () => {
    expect(smoothEma([7], 0.9)[0]).toBeCloseTo(7, 12);
    const smoothed = smoothEma([2, 2, 2, 2], 0.6);
    for (const v of smoothed) {
      expect(v).toBeCloseTo(2, 12);
    }
  });

  it('matches the debiased moving average by hand', () => {
    // w = 0.5: ema1 = 0.5, ema2 = 0.5*0.5 + 0.5*3 = 1.75, ema3 = 0.875 + 2.5 = 3.375
    // debiased by 1 - 0.5^n: 1, 1.75 / 0.75, 3.375 / 0.875
    const smoothed = smoothEma([1, 3, 5], 0.5);
    expect(smoothed[0]).toBeCloseTo(1, 12);
    expect(smoothed[1]).toBeCloseTo(1.75 / 0.75, 12);
    expect(smoothed[2]).toBeCloseTo(3.375 / 0.875, 12);
  });

  it('passes NaN through without poisoning later values', () => {
    const withGap = smoothEma([1, NaN, 3, 5], 0.5);
    const withoutGap = smoothEma([1, 3, 5], 0.5);
    expect(Number.isNaN(withGap[1])).toBe(true);
    expect(withGap[0]).toBeCloseTo(withoutGap[0], 12);
    expect(withGap[2]).toBeCloseTo(withoutGap[1], 12);
    expect(withGap[3]).toBeCloseTo(withoutGap[2], 12);
  });

  it('treats infinities as gaps too, and a leading gap', () => {
    const smoothed = smoothEma([NaN, Infinity, 4], 0.9);
    expect(Number.isNaN(smoothed[0])).toBe(true);
    expect(Number.isNaN(smoothed[1])).toBe(true);
    expect(smoothed[2]).toBeCloseTo(4, 12);
  });

  it('lags behind a step change', () => {
    const smoothed = smoothEma([0, 0, 0, 10, 10], 0.8);
    expect(smoothed[3]).toBeGreaterThan(0);
    expect(smoothed[3]).toBeLessThan(smoothed[4]);
    expect(smoothed[4]).toBeLessThan(10);
  });
});
