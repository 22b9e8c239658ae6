/*
 * The commands that open a run: its panel (its code loads on first use), and
 * its captured code as a new notebook.
 */
import type { IDisposable } from '@lumino/disposable';

import { DeploymentsClient } from '../../api/deployments';
import { experimentsIcon } from '../../icons';
import { CommandIDs } from '../../tokens';
import {
  addRunDocumentCommand,
  IExperimentsContext,
  RUN_ARGS,
  targetRuns
} from '../experiments/commands/context';

export function addOpenRun(ctx: IExperimentsContext): IDisposable {
  const { client, commands, events, runPanels, shell, trans } = ctx;
  return commands.addCommand(CommandIDs.openRun, {
    label: trans.__('Open Run'),
    caption: trans.__('Show the run: params, charts, artifacts and code'),
    describedBy: RUN_ARGS,
    isEnabled: args => targetRuns(ctx, args).length === 1,
    execute: async args => {
      const [runId] = targetRuns(ctx, args);
      const open = runPanels.find(p => p.runId === runId);
      if (open) {
        shell.activateById(open.id);
        return;
      }
      const [{ RunPanel }, { provenanceActions }] = await Promise.all([
        import('./RunPanel'),
        import('../../collab/provenance/actions')
      ]);
      const widget = new RunPanel({
        runId,
        client,
        events,
        commands,
        rendermime: ctx.rendermime,
        maxPoints: ctx.settings.chartMaxPoints,
        provenance: {
          actions: provenanceActions({
            commands,
            docManager: ctx.docManager,
            trans
          }),
          deployments: new DeploymentsClient({
            serverSettings: client.serverSettings
          })
        },
        trans
      });
      widget.title.icon = experimentsIcon;
      events.connect();
      void runPanels.add(widget);
      shell.add(widget, 'main', { mode: 'tab-after' });
      shell.activateById(widget.id);
    }
  });
}

export function addOpenRunNotebook(ctx: IExperimentsContext): IDisposable {
  const { client, trans } = ctx;
  return addRunDocumentCommand(ctx, CommandIDs.openRunNotebook, {
    label: trans.__('Open as Notebook'),
    caption: trans.__(
      "A new notebook with the run's code path, the training cell last; running it makes a run tagged as its reproduction"
    ),
    failure: trans.__('Could not open the run as a notebook'),
    open: async (docManager, runId) => {
      const { openRunAsNotebook } = await import('./openAsNotebook');
      return await openRunAsNotebook(client, docManager, runId);
    }
  });
}
