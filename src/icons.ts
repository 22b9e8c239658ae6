import { LabIcon } from '@jupyterlab/ui-components';

/**
 * A flask with a rising curve: the Experiments sidebar and command.
 * `jp-icon3` makes it follow the theme's icon colour.
 */
const experimentsSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161" fill-rule="evenodd">
    <path d="M9 2h6v2h-1v5.2l5.6 9.3A2.3 2.3 0 0 1 17.6 22H6.4a2.3 2.3 0 0 1-2-3.5L10 9.2V4H9V2zm3 9.1-2.6 4.4h5.2L12 11.1z"/>
  </g>
</svg>`;

export const experimentsIcon = new LabIcon({
  name: 'jupyterlab-mlplatform:experiments',
  svgstr: experimentsSvg
});

/**
 * A push pin: keeps a column of the runs table at the left.
 */
const pinSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M16 3v2h-1v5.2l3 3V15h-5v6l-1 1-1-1v-6H6v-1.8l3-3V5H8V3h8z"/>
  </g>
</svg>`;

export const pinIcon = new LabIcon({
  name: 'jupyterlab-mlplatform:pin',
  svgstr: pinSvg
});

/**
 * A rocket: the Deploy sidebar and its commands.
 */
const deploySvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 2c3.3 1.9 5 5.2 5 9.5V15l2 2.5V20l-4-1.5H9L5 20v-2.5L7 15v-3.5C7 7.2 8.7 3.9 12 2zm0 6.5a1.8 1.8 0 1 0 0 3.6 1.8 1.8 0 0 0 0-3.6zM10 19.5h4L12 22l-2-2.5z"/>
  </g>
</svg>`;

export const deployIcon = new LabIcon({
  name: 'jupyterlab-mlplatform:deploy',
  svgstr: deploySvg
});
