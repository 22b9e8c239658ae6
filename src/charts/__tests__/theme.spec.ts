import { readChartTheme } from '../theme';

describe('readChartTheme', () => {
  it('gives uPlot a font in pixels, from the element, not the em-based variable', () => {
    const element = document.createElement('div');
    element.style.setProperty('--jp-ui-font-size0', '.83333em');
    element.style.fontSize = '12px';
    element.style.fontFamily = 'serif';
    document.body.appendChild(element);

    const theme = readChartTheme(element);

    // uPlot parses the size from the font string; `em` gives NaN positions.
    expect(theme.font).toBe('12px serif');
    element.remove();
  });

  it('reads the text and grid colours from the theme variables', () => {
    const element = document.createElement('div');
    element.style.setProperty('--jp-ui-font-color1', 'rgb(1, 2, 3)');
    element.style.setProperty('--jp-border-color2', 'rgb(4, 5, 6)');
    document.body.appendChild(element);

    const theme = readChartTheme(element);

    expect(theme.text).toBe('rgb(1, 2, 3)');
    expect(theme.grid).toBe('rgb(4, 5, 6)');
    element.remove();
  });
});
