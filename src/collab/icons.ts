import { LabIcon } from '@jupyterlab/ui-components';

/**
 * Two people side by side with a pulse under them: who is here and what
 * they do (the Collaboration panel). Distinct from the users icon of
 * jupyter-collaboration's own panel. `jp-icon3` makes it follow the theme.
 */
const collaborationSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="8" cy="5.5" r="3"/>
    <circle cx="16.5" cy="6.5" r="2.5"/>
    <path d="M2 15c0-3 2.7-4.5 6-4.5s6 1.5 6 4.5v.5H2z"/>
    <path d="M14.6 10.8c.6-.2 1.2-.3 1.9-.3 2.8 0 5.5 1.3 5.5 4v1h-6.4V15c0-1.7-.4-3.1-1-4.2z"/>
  </g>
  <polyline class="jp-icon3" stroke="#616161" style="fill: none" stroke-width="1.6" stroke-linejoin="round" stroke-linecap="round" points="2.5,20 7,20 9,17.5 11.5,22.5 14,18.5 15.5,20 21.5,20"/>
</svg>`;

export const collaborationIcon = new LabIcon({
  name: 'jupyterlab-mlplatform:collaboration',
  svgstr: collaborationSvg
});
