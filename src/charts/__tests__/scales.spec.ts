import {
  formatCompact,
  formatDuration,
  formatTicks,
  linearScale,
  logTicks,
  niceTicks,
  pointScale
} from '../scales';

describe('niceTicks', () => {
  it.each([
    [0, 1],
    [0.013, 0.0871],
    [-3.2, 17.9],
    [1234, 98765],
    [1e-9, 3e-9]
  ])('covers [%p, %p] with round, evenly spaced ticks', (min, max) => {
    const ticks = niceTicks(min, max);
    expect(ticks[0]).toBeLessThanOrEqual(min);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBeLessThanOrEqual(11);
    const step = ticks[1] - ticks[0];
    const mantissa = step / 10 ** Math.floor(Math.log10(step));
    expect([1, 2, 5, 10]).toContainEqual(Number(mantissa.toPrecision(6)));
    for (let i = 1; i < ticks.length; i++) {
      expect(ticks[i] - ticks[i - 1]).toBeCloseTo(step, 12);
    }
  });

  it('gives exact decimals, not floating-point noise', () => {
    expect(niceTicks(0.1, 0.3, 2)).toEqual([0.1, 0.2, 0.3]);
    expect(niceTicks(0.05, 0.7, 3)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0, 0.3)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
  });

  it('widens an empty domain around its value', () => {
    const ticks = niceTicks(5, 5);
    expect(ticks[0]).toBeLessThan(5);
    expect(ticks[ticks.length - 1]).toBeGreaterThan(5);
    expect(niceTicks(0, 0).length).toBeGreaterThan(1);
  });

  it('returns nothing for non-finite bounds', () => {
    expect(niceTicks(NaN, 1)).toEqual([]);
    expect(niceTicks(0, Infinity)).toEqual([]);
  });
});

describe('logTicks', () => {
  it('uses powers of ten over several decades', () => {
    expect(logTicks(0.001, 1000)).toEqual([0.001, 0.01, 0.1, 1, 10, 100, 1000]);
    const ticks = logTicks(3e-6, 42);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const t of ticks) {
      expect(Math.log10(t)).toBeCloseTo(Math.round(Math.log10(t)), 10);
      expect(t).toBeGreaterThanOrEqual(3e-6);
      expect(t).toBeLessThanOrEqual(42);
    }
  });

  it('adds 2 and 5 times the powers over a decade or two', () => {
    expect(logTicks(1, 20)).toEqual([1, 2, 5, 10, 20]);
  });

  it('falls back to every multiple, then linear ticks, on narrow ranges', () => {
    expect(logTicks(0.2, 0.5)).toEqual([0.2, 0.3, 0.4, 0.5]);
    const narrow = logTicks(0.21, 0.24);
    expect(narrow.length).toBeGreaterThanOrEqual(2);
    expect(narrow.every(t => t >= 0.21 && t <= 0.24)).toBe(true);
  });

  it('returns nothing for a range reaching zero or below', () => {
    expect(logTicks(0, 10)).toEqual([]);
    expect(logTicks(-1, 10)).toEqual([]);
  });
});

describe('linearScale and pointScale', () => {
  it('maps a domain onto a range, inverted ranges included', () => {
    const y = linearScale([0, 10], [100, 0]);
    expect(y(0)).toBe(100);
    expect(y(10)).toBe(0);
    expect(y(2.5)).toBe(75);
    expect(linearScale([3, 3], [0, 50])(3)).toBe(25);
  });

  it('spreads categories with half a step of padding', () => {
    const x = pointScale(['a', 'b'], [0, 100]);
    expect(x('a')).toBe(25);
    expect(x('b')).toBe(75);
    expect(x('c')).toBeNaN();
  });
});

describe('formatCompact', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [0.5, '0.5'],
    [0.30000000000000004, '0.3'],
    [123.456, '123'],
    [999.6, '1k'],
    [1234, '1.23k'],
    [-1234, '-1.23k'],
    [1_200_000, '1.2M'],
    [3.4e9, '3.4G'],
    [2e12, '2T'],
    [5e15, '5e15'],
    [0.00123, '0.00123'],
    [3.4e-5, '3.4e-5'],
    [-3.4e-5, '-3.4e-5'],
    [NaN, 'NaN'],
    [Infinity, '∞'],
    [-Infinity, '-∞']
  ])('formats %p as %p', (value, text) => {
    expect(formatCompact(value)).toBe(text);
  });

  it('takes the number of significant digits', () => {
    expect(formatCompact(0.123456, 4)).toBe('0.1235');
    expect(formatCompact(12345, 4)).toBe('12.35k');
  });
});

describe('formatTicks', () => {
  it('adds digits until distinct ticks have distinct labels', () => {
    expect(formatTicks([1000, 1001, 1002])).toEqual(['1k', '1.001k', '1.002k']);
    expect(formatTicks([0, 0.5, 1])).toEqual(['0', '0.5', '1']);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [2.5, '2.5s'],
    [45, '45s'],
    [90, '1m 30s'],
    [3600, '1h'],
    [3660, '1h 1m'],
    [7505, '2h 5m'],
    [273600, '3d 4h'],
    [-90, '-1m 30s']
  ])('formats %p seconds as %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
