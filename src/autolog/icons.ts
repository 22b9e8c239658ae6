import { LabIcon } from '@jupyterlab/ui-components';

/**
 * A flask with a rising curve inside: training is tracked. `jp-icon3` makes
 * it follow the theme; the toggle's CSS colours it while on.
 */
const autologOnSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path fill-rule="evenodd" d="M9 2h6v2h-1v5.2l5.6 9.3A2.3 2.3 0 0 1 17.6 22H6.4a2.3 2.3 0 0 1-2-3.5L10 9.2V4H9V2zm3 9.1-2.6 4.4h5.2L12 11.1z"/>
  </g>
</svg>`;

export const autologOnIcon = new LabIcon({
  name: 'jupyterlab-mlplatform:autolog-on',
  svgstr: autologOnSvg
});

/**
 * The same flask, outlined and struck through: training is not tracked.
 */
const autologOffSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path fill-rule="evenodd" d="M9 2h6v2h-1v5.2l5.6 9.3A2.3 2.3 0 0 1 17.6 22H6.4a2.3 2.3 0 0 1-2-3.5L10 9.2V4H9V2zm2.5 2v5.6l-5.6 9.3a.7.7 0 0 0 .6 1.1h11a.7.7 0 0 0 .6-1.1l-5.6-9.3V4z"/>
    <path d="M3.4 1.9 1.9 3.4l18.7 18.7 1.5-1.5z"/>
  </g>
</svg>`;

export const autologOffIcon = new LabIcon({
  name: 'jupyterlab-mlplatform:autolog-off',
  svgstr: autologOffSvg
});
