/*
 * The commands of the Experiments panel itself: open it, create an
 * experiment, export the runs.
 */
import { Notification } from '@jupyterlab/apputils';
import type { IDisposable } from '@lumino/disposable';

import { experimentsIcon } from '../../../icons';
import { reportError } from '../../../notify';
import { CommandIDs } from '../../../tokens';
import { askExperimentName } from '../askExperimentName';
import { download } from '../../download';
import { IExperimentsContext, NO_ARGS } from './context';

export function addOpenExperiments(ctx: IExperimentsContext): IDisposable {
  const { trans } = ctx;
  return ctx.commands.addCommand(CommandIDs.openExperiments, {
    label: trans.__('Experiments'),
    caption: trans.__('Browse, search, chart and compare runs'),
    icon: args => (args['isPalette'] ? undefined : experimentsIcon),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          experimentIds: { type: 'array', items: { type: 'string' } }
        }
      }
    },
    execute: async args => {
      await ctx.openPanel(args['experimentIds'] as string[] | undefined);
    }
  });
}

export function addNewExperiment(ctx: IExperimentsContext): IDisposable {
  const { trans } = ctx;
  return ctx.commands.addCommand(CommandIDs.newExperiment, {
    label: trans.__('New Experiment…'),
    caption: trans.__('Create an experiment'),
    describedBy: NO_ARGS,
    execute: async () => {
      const name = await askExperimentName(trans);
      if (!name) {
        return;
      }
      try {
        const created = await ctx.client.createExperiment({ name });
        const current = await ctx.openPanel();
        await current.experiments.refresh();
        await current.showExperiments([created.experiment_id]);
      } catch (error) {
        reportError(trans.__('Could not create the experiment'), error);
      }
    }
  });
}

export function addExportRuns(ctx: IExperimentsContext): IDisposable {
  const { trans } = ctx;
  return ctx.commands.addCommand(CommandIDs.exportRuns, {
    label: trans.__('Export Runs as CSV'),
    caption: trans.__('Download every run matching the filter as CSV'),
    describedBy: NO_ARGS,
    isEnabled: () =>
      (ctx.panels.currentWidget?.runs.experimentIds.length ?? 0) > 0,
    execute: async () => {
      const current = ctx.panels.currentWidget;
      if (!current) {
        return;
      }
      const csv = current.runs.exportCsv();
      Notification.promise(csv, {
        pending: { message: trans.__('Exporting runs…'), options: {} },
        success: { message: () => trans.__('Runs exported.') },
        error: { message: () => trans.__('Could not export the runs.') }
      });
      const text = await csv;
      if (text !== null) {
        download(text, 'runs.csv', 'text/csv');
      }
    }
  });
}
