import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { autologPlugin } from './plugins/autolog';
import { cellAttributionPlugin } from './plugins/cellAttribution';
import { collabPlugin } from './plugins/collab';
import { deployPlugin } from './plugins/deploy';
import { experimentsPlugin } from './plugins/experiments';
import { runCachePlugin } from './plugins/runCache';
import { trackingPlugin } from './plugins/tracking';

export * from './tokens';
export * from './api/tracking';
export * from './api/autolog';
export * from './api/deployments';
export { requestAPI } from './api/request';
export { AutologCommandIDs } from './plugins/autolog';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  trackingPlugin,
  experimentsPlugin,
  autologPlugin,
  deployPlugin,
  runCachePlugin,
  cellAttributionPlugin,
  collabPlugin
];

export default plugins;
