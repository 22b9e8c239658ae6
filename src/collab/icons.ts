import { LabIcon } from '@jupyterlab/ui-components';

/**
 * Two people side by side with a pulse under them: who is here and what
 * they do (the Collaboration panel). Distinct from the users icon of
 * jupyter-collaboration's own panel. `jp-icon3` makes it follow the theme.
 */
const collaborationSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="8" cy="6" r="3"/>
    <circle cx="16.5" cy="7" r="2.5"/>
    <path d="M2 15.5C2 12.5 4.7 11 8 11s6 1.5 6 4.5V16H2z"/>
    <path d="M14.6 11.3c.6-.2 1.2-.3 1.9-.3 2.8 0 5.5 1.3 5.5 4v1h-6.4v-.5c0-1.7-.4-3.1-1-4.2z"/>
    <path d="M2 19.2h5.2l1.6-2.4 2.6 4.4 2.4-4 1.1 2h7.1v1.6h-8l-.3-.5-2 3.3-2.9-4.8-.8 1.2H2z"/>
  </g>
</svg>`;

export const collaborationIcon = new LabIcon({
  name: 'jupyterlab-mlplatform:collaboration',
  svgstr: collaborationSvg
});
