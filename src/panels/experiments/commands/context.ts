/*
 * What the Experiments commands share: the open panels, the clients, the
 * settings, and which runs a command applies to.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { WidgetTracker } from '@jupyterlab/apputils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';

import type {
  EventsConnection,
  IRun,
  TrackingClient
} from '../../../api/tracking';
import type { ComparePanel } from '../../compare/ComparePanel';
import { reportError } from '../../../notify';
import type { RunPanel } from '../../run/RunPanel';
import type { IExperimentsSettings } from '../settings';
import type { ExperimentsPanel } from '../ExperimentsPanel';

/**
 * Everything a command of the Experiments panel needs.
 */
export interface IExperimentsContext {
  commands: CommandRegistry;
  shell: Pick<JupyterFrontEnd.IShell, 'add' | 'activateById' | 'currentWidget'>;
  client: TrackingClient;
  events: EventsConnection;
  trans: TranslationBundle;
  /** The Experiments panel (one at most). */
  panels: WidgetTracker<ExperimentsPanel>;
  runPanels: WidgetTracker<RunPanel>;
  comparePanels: WidgetTracker<ComparePanel>;
  /** The current settings (the plugin keeps them up to date). */
  settings: IExperimentsSettings;
  docManager: IDocumentManager | null;
  rendermime: IRenderMimeRegistry | null;
  /** Open (creating it on first use) and show the Experiments panel. */
  openPanel(experimentIds?: string[]): Promise<ExperimentsPanel>;
}

/**
 * The runs a command applies to: its `runIds`/`runId` argument, else the
 * current run panel's run, else the selection of the runs table.
 */
export function targetRuns(
  ctx: IExperimentsContext,
  args: ReadonlyPartialJSONObject
): string[] {
  if (Array.isArray(args['runIds'])) {
    return args['runIds'] as string[];
  }
  if (typeof args['runId'] === 'string') {
    return [args['runId']];
  }
  const current = ctx.runPanels.currentWidget;
  if (current && current === ctx.shell.currentWidget) {
    return [current.runId];
  }
  return ctx.panels.currentWidget?.selectedRuns.map(r => r.run_id) ?? [];
}

/**
 * A command that opens a document for one run (its source notebook, its code
 * as a new notebook): enabled when there is a document manager and exactly one
 * target run; a failure is reported as a notification headed `failure`.
 */
export function addRunDocumentCommand(
  ctx: IExperimentsContext,
  id: string,
  options: {
    label: string;
    caption: string;
    failure: string;
    open: (docManager: IDocumentManager, runId: string) => Promise<unknown>;
  }
): IDisposable {
  return ctx.commands.addCommand(id, {
    label: options.label,
    caption: options.caption,
    describedBy: RUN_ARGS,
    isEnabled: args =>
      ctx.docManager !== null && targetRuns(ctx, args).length === 1,
    execute: async args => {
      const [runId] = targetRuns(ctx, args);
      try {
        return await options.open(ctx.docManager!, runId);
      } catch (error) {
        reportError(options.failure, error);
      }
    }
  });
}

/**
 * A run as the runs table has it, else as the server has it.
 */
export async function findRun(
  ctx: IExperimentsContext,
  runId: string
): Promise<IRun> {
  return (
    ctx.panels.currentWidget?.runs.run(runId) ??
    (await ctx.client.getRun(runId))
  );
}

/**
 * The run a command applies to when it is one already loaded (in the runs
 * table or a run panel), else `null`.
 */
export function loadedTargetRun(
  ctx: IExperimentsContext,
  args: ReadonlyPartialJSONObject
): IRun | null {
  const runIds = targetRuns(ctx, args);
  if (runIds.length !== 1) {
    return null;
  }
  const [runId] = runIds;
  return (
    ctx.panels.currentWidget?.runs.run(runId) ??
    ctx.runPanels.find(p => p.runId === runId)?.run ??
    null
  );
}

/**
 * Reload what shows runs after a change: the runs table and the run panels.
 */
export async function afterChange(ctx: IExperimentsContext): Promise<void> {
  await ctx.panels.currentWidget?.runs.reloadRuns(true);
  ctx.runPanels.forEach(p => void p.reload());
}

/** Argument schemas of the commands (`describedBy`). */
export const NO_ARGS = { args: { type: 'object', properties: {} } };
export const RUN_ARGS = {
  args: {
    type: 'object',
    properties: {
      runId: { type: 'string', description: 'The run (default: the selection)' }
    }
  }
};
export const RUNS_ARGS = {
  args: {
    type: 'object',
    properties: {
      runIds: {
        type: 'array',
        items: { type: 'string' },
        description: 'The runs (default: the selection)'
      },
      runId: { type: 'string' }
    }
  }
};
