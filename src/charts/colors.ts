/*
 * Colours of chart lines, chosen to read on both light and dark themes.
 */

/**
 * Tableau 10: ten distinct mid-lightness hues.
 */
const CATEGORICAL = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac'
];

/**
 * The golden angle in degrees: successive multiples spread hues evenly.
 */
const GOLDEN_ANGLE = 137.508;

/**
 * The colour of the `index`-th series: Tableau 10, then hues spread by the
 * golden angle at the same saturation and lightness, so more than ten runs
 * still get distinct colours.
 */
export function seriesColor(index: number): string {
  if (index < CATEGORICAL.length) {
    return CATEGORICAL[index];
  }
  const hue = ((index - CATEGORICAL.length) * GOLDEN_ANGLE + 15) % 360;
  return `hsl(${hue.toFixed(1)}, 60%, 55%)`;
}

/**
 * A colour on a sequential scale, `t` from 0 (low) to 1 (high): from blue
 * through magenta and red to orange, lightening slightly, without the very
 * dark or very light ends that vanish on one of the themes. `t` is clamped;
 * `NaN` gives the neutral middle grey.
 */
export function sequentialColor(t: number): string {
  if (Number.isNaN(t)) {
    return 'hsl(0, 0%, 55%)';
  }
  const clamped = Math.min(1, Math.max(0, t));
  const hue = (235 + clamped * 160) % 360;
  const lightness = 55 + clamped * 8;
  return `hsl(${hue.toFixed(1)}, 70%, ${lightness.toFixed(1)}%)`;
}
