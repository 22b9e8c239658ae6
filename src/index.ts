import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { experimentsPlugin } from './plugins/experiments';
import { trackingPlugin } from './plugins/tracking';

export * from './tokens';
export * from './api/tracking';
export { requestAPI } from './api/request';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  trackingPlugin,
  experimentsPlugin
];

export default plugins;
