/*
 * The JupyterLab theme colours a canvas chart draws with: a canvas cannot
 * use CSS variables, so they are read with getComputedStyle and read again
 * when the theme changes.
 */

/**
 * Colours and font for drawing axes on a canvas.
 */
export interface IChartTheme {
  /** Axis values and labels. */
  text: string;
  /** Grid lines and ticks. */
  grid: string;
  /** The chart's background (the inside of hover points). */
  background: string;
  /** A CSS font shorthand for axis values. */
  font: string;
}

/**
 * The chart theme from the JupyterLab CSS variables in effect at `element`.
 *
 * A variable that is not defined (no theme loaded, as in tests) falls back
 * to a mid grey, readable on light and dark backgrounds alike.
 */
export function readChartTheme(element: Element): IChartTheme {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string): string =>
    style.getPropertyValue(name).trim() || fallback;
  // uPlot reads the font size as pixels: use the computed (px) size of the
  // chart's own element, not the em-based theme variable.
  const size = style.fontSize || '11px';
  const family = style.fontFamily || read('--jp-ui-font-family', 'sans-serif');
  return {
    text: read('--jp-ui-font-color1', FALLBACK_COLOR),
    grid: read('--jp-border-color2', FALLBACK_COLOR),
    background: read('--jp-layout-color1', 'transparent'),
    font: `${size} ${family}`
  };
}

/**
 * Call `callback` whenever JupyterLab switches theme (it sets
 * `data-jp-theme-light` and `data-jp-theme-name` on the body once the new
 * theme's CSS is in place). Returns a function that stops observing.
 */
export function observeThemeChanges(callback: () => void): () => void {
  const observer = new MutationObserver(callback);
  observer.observe(document.body, {
    attributes: true,
    attributeFilter: ['data-jp-theme-light', 'data-jp-theme-name']
  });
  return () => observer.disconnect();
}

const FALLBACK_COLOR = 'rgb(128, 128, 128)';
