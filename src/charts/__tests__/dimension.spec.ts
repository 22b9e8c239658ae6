import { makeAxis, numericValue } from '../dimension';

describe('numericValue', () => {
  it('parses numbers and numeric strings only', () => {
    expect(numericValue(3)).toBe(3);
    expect(numericValue('0.01')).toBe(0.01);
    expect(numericValue('1e-3')).toBe(0.001);
    expect(numericValue('adam')).toBeNaN();
    expect(numericValue('')).toBeNaN();
    expect(numericValue(null)).toBeNaN();
  });
});

describe('makeAxis', () => {
  it('is numeric for numbers and numeric strings, with ticks covering them', () => {
    const axis = makeAxis([0.1, '0.35', null], [100, 0]);
    expect(axis.kind).toBe('numeric');
    const positions = axis.ticks.map(t => t.position);
    expect(Math.max(...positions)).toBeLessThanOrEqual(100);
    expect(Math.min(...positions)).toBeGreaterThanOrEqual(0);
    expect(axis.position(0.1)).toBeGreaterThan(axis.position('0.35'));
    expect(axis.position(null)).toBeNaN();
    expect(axis.fraction(0.1)).toBe(0);
    expect(axis.fraction(0.35)).toBe(1);
  });

  it('is categorical when any value is not a number, in natural order', () => {
    const axis = makeAxis(['lr10', 'lr2', 'lr2', 3, null], [0, 90]);
    expect(axis.kind).toBe('categorical');
    expect(axis.ticks.map(t => t.label)).toEqual(['3', 'lr2', 'lr10']);
    expect(axis.ticks.map(t => t.position)).toEqual([15, 45, 75]);
    expect(axis.position('lr10')).toBe(75);
    expect(axis.fraction('lr10')).toBe(1);
    expect(axis.fraction(null)).toBeNaN();
  });

  it('copes with no values at all', () => {
    const axis = makeAxis([null, null], [100, 0]);
    expect(axis.ticks.length).toBeGreaterThan(0);
    expect(axis.position(null)).toBeNaN();
  });
});
