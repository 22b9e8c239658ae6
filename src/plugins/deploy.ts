/*
 * Deploy plugin: wiring only. The Deploy sidebar, its commands (open it,
 * deploy a run's model) and its palette items.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// The sidebar tab exists from the start, so its modules load with the plugin.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { DeploymentsClient } from '../api/deployments';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RunCache } from '../collab/cells/runCache';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { provenanceActions } from '../collab/provenance/actions';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { DeployFlow } from '../panels/deploy/deployFlow';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import {
  DEPLOY_SIDEBAR_ID,
  DeploySidebar
} from '../panels/deploy/DeploySidebar';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { DeploymentsModel } from '../panels/deploy/deploymentsModel';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { askDeployName } from '../panels/deploy/nameDialog';
import { deployIcon } from '../icons';
import { CommandIDs, IRunCache, ITrackingService } from '../tokens';

const PLUGIN_ID = 'jupyterlab-mlplatform:deploy';

export const deployPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'The Deploy sidebar: deployments with their traffic, one-click deploy of a run model, test console, logs, API keys and exports.',
  autoStart: true,
  requires: [ITrackingService],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ITranslator,
    IRunCache,
    IDocumentManager
  ],
  activate: (
    app: JupyterFrontEnd,
    tracking: ITrackingService,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null,
    runCache: IRunCache | null,
    docManager: IDocumentManager | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mlplatform');
    const { commands, shell } = app;
    const client = new DeploymentsClient({
      serverSettings: app.serviceManager.serverSettings
    });
    const model = new DeploymentsModel({
      client,
      tracking: tracking.client,
      events: tracking.events,
      trans
    });
    const flow = new DeployFlow({
      client,
      tracking: tracking.client,
      model,
      askName: askDeployName,
      trans
    });
    const openRun = (runId: string): void => {
      if (commands.hasCommand(CommandIDs.openRun)) {
        void commands.execute(CommandIDs.openRun, { runId });
      }
    };
    const sidebar = new DeploySidebar({
      model,
      flow,
      openRun,
      provenance: {
        runs:
          runCache ??
          new RunCache({ client: tracking.client, events: tracking.events }),
        actions: provenanceActions({
          commands,
          docManager: docManager ?? null,
          trans
        })
      },
      trans
    });
    shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, DEPLOY_SIDEBAR_ID);

    commands.addCommand(CommandIDs.openDeploy, {
      label: trans.__('Deploy'),
      caption: trans.__(
        'Deployments: serve a model, test it, follow its traffic and logs'
      ),
      icon: args => (args['isPalette'] ? undefined : deployIcon),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            name: {
              type: 'string',
              description: 'A deployment to show the details of'
            }
          }
        }
      },
      execute: args => {
        shell.activateById(sidebar.id);
        if (typeof args['name'] === 'string') {
          sidebar.expand(args['name']);
        }
      }
    });

    commands.addCommand(CommandIDs.deployRun, {
      label: trans.__('Deploy Model…'),
      caption: trans.__("Serve the run's model as an HTTP endpoint"),
      icon: args => (args['isPalette'] ? undefined : deployIcon),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            runId: { type: 'string', description: 'The run with the model' },
            artifactPath: {
              type: 'string',
              description: 'The model package in the run (default: its first)'
            }
          },
          required: ['runId']
        }
      },
      isEnabled: args => typeof args['runId'] === 'string' && !flow.running,
      execute: async args => {
        shell.activateById(sidebar.id);
        const artifactPath = args['artifactPath'];
        const deployment = await flow.deployRun(args['runId'] as string, {
          artifactPath:
            typeof artifactPath === 'string' ? artifactPath : undefined
        });
        if (deployment) {
          sidebar.expand(deployment.name);
        }
      }
    });

    palette?.addItem({
      command: CommandIDs.openDeploy,
      category: trans.__('ML Platform')
    });
  }
};
