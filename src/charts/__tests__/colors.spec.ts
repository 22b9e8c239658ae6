import { seriesColor, sequentialColor } from '../colors';

describe('seriesColor', () => {
  it('gives 30 distinct colours, the first ten from Tableau 10', () => {
    const colors = Array.from({ length: 30 }, (_, i) => seriesColor(i));
    expect(new Set(colors).size).toBe(30);
    expect(colors[0]).toBe('#4e79a7');
  });

  it('never uses black or white', () => {
    for (let i = 0; i < 30; i++) {
      expect(seriesColor(i)).not.toMatch(/^(#000000|#ffffff|black|white)$/i);
    }
  });
});

describe('sequentialColor', () => {
  it('maps low and high to different colours and clamps', () => {
    expect(sequentialColor(0)).not.toBe(sequentialColor(1));
    expect(sequentialColor(-5)).toBe(sequentialColor(0));
    expect(sequentialColor(7)).toBe(sequentialColor(1));
  });

  it('gives missing values a neutral grey', () => {
    expect(sequentialColor(NaN)).toBe('hsl(0, 0%, 55%)');
  });
});
