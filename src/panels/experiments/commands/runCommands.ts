/*
 * The run actions of the runs table's rows and of a run panel: open the
 * source, rename, tag, delete, restore, copy the id, deploy.
 */
import {
  Clipboard,
  Dialog,
  InputDialog,
  showDialog
} from '@jupyterlab/apputils';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';

// The menu needs `isDeployable` synchronously to decide whether to show
// "Deploy Model…" (the deploy plugin loads this module at start anyway).
import { isDeployable } from '../../../api/deployments';
import type { IRun } from '../../../api/tracking';
import { reportError } from '../../../notify';
import { CommandIDs } from '../../../tokens';
import {
  addRunDocumentCommand,
  afterChange,
  findRun,
  IExperimentsContext,
  loadedTargetRun,
  RUN_ARGS,
  RUNS_ARGS,
  targetRuns
} from './context';

export function addOpenRunSource(ctx: IExperimentsContext): IDisposable {
  const { trans } = ctx;
  return addRunDocumentCommand(ctx, CommandIDs.openRunSource, {
    label: trans.__('Open Source Notebook'),
    caption: trans.__('Open the notebook at the cell that produced the run'),
    failure: trans.__('Could not open the source'),
    open: async (docManager, runId) => {
      const { openRunSource } = await import('../openSource');
      await openRunSource(docManager, await findRun(ctx, runId), trans);
    }
  });
}

export function addRenameRun(ctx: IExperimentsContext): IDisposable {
  const { trans } = ctx;
  return ctx.commands.addCommand(CommandIDs.renameRun, {
    label: trans.__('Rename Run…'),
    describedBy: RUN_ARGS,
    isEnabled: args => targetRuns(ctx, args).length === 1,
    execute: async args => {
      const [runId] = targetRuns(ctx, args);
      try {
        const run = await findRun(ctx, runId);
        const result = await InputDialog.getText({
          title: trans.__('Rename run'),
          label: trans.__('Name'),
          text: run.name,
          okLabel: trans.__('Rename')
        });
        const name = result.value?.trim();
        if (result.button.accept && name && name !== run.name) {
          await ctx.client.updateRun(runId, { name });
          await afterChange(ctx);
        }
      } catch (error) {
        reportError(trans.__('Could not rename the run'), error);
      }
    }
  });
}

/**
 * A tag typed as `key=value`: the key and value trimmed, the value `''`
 * without `=`; `null` without a key.
 */
export function parseTag(text: string): { key: string; value: string } | null {
  const equals = text.indexOf('=');
  const key = (equals < 0 ? text : text.slice(0, equals)).trim();
  if (!key) {
    return null;
  }
  return { key, value: equals < 0 ? '' : text.slice(equals + 1).trim() };
}

export function addTagRuns(ctx: IExperimentsContext): IDisposable {
  const { trans } = ctx;
  return ctx.commands.addCommand(CommandIDs.tagRuns, {
    label: trans.__('Tag Runs…'),
    caption: trans.__('Set a tag on the selected runs'),
    describedBy: RUNS_ARGS,
    isEnabled: args => targetRuns(ctx, args).length > 0,
    execute: async args => {
      const runIds = targetRuns(ctx, args);
      const result = await InputDialog.getText({
        title: trans._n('Tag %1 run', 'Tag %1 runs', runIds.length),
        label: trans.__('Tag, as key=value'),
        placeholder: trans.__('stage=candidate'),
        okLabel: trans.__('Tag')
      });
      const tag = parseTag(result.value ?? '');
      if (!result.button.accept || !tag) {
        return;
      }
      try {
        await Promise.all(
          runIds.map(id =>
            ctx.client.logBatch(id, { tags: { [tag.key]: tag.value } })
          )
        );
        await ctx.panels.currentWidget?.runs.reloadKeys();
        await afterChange(ctx);
      } catch (error) {
        reportError(trans.__('Could not tag the runs'), error);
      }
    }
  });
}

export function addDeleteRuns(ctx: IExperimentsContext): IDisposable {
  const { trans } = ctx;
  return ctx.commands.addCommand(CommandIDs.deleteRuns, {
    label: trans.__('Delete Runs…'),
    caption: trans.__('Delete the selected runs (they can be restored)'),
    describedBy: RUNS_ARGS,
    isEnabled: args => targetRuns(ctx, args).length > 0,
    execute: async args => {
      const runIds = targetRuns(ctx, args);
      const answer = await showDialog({
        title: trans._n('Delete %1 run?', 'Delete %1 runs?', runIds.length),
        body: trans.__(
          'Deleted runs move to the "Deleted runs" view, where they can be restored.'
        ),
        buttons: [
          Dialog.cancelButton(),
          Dialog.warnButton({ label: trans.__('Delete') })
        ]
      });
      if (!answer.button.accept) {
        return;
      }
      try {
        await Promise.all(runIds.map(id => ctx.client.deleteRun(id)));
        await afterChange(ctx);
      } catch (error) {
        reportError(trans.__('Could not delete the runs'), error);
      }
    }
  });
}

export function addRestoreRuns(ctx: IExperimentsContext): IDisposable {
  const { trans } = ctx;
  return ctx.commands.addCommand(CommandIDs.restoreRuns, {
    label: trans.__('Restore Runs'),
    caption: trans.__('Restore the selected deleted runs'),
    describedBy: RUNS_ARGS,
    isEnabled: args => targetRuns(ctx, args).length > 0,
    execute: async args => {
      try {
        await Promise.all(
          targetRuns(ctx, args).map(id =>
            ctx.client.updateRun(id, { lifecycle_stage: 'active' })
          )
        );
        await afterChange(ctx);
      } catch (error) {
        reportError(trans.__('Could not restore the runs'), error);
      }
    }
  });
}

export function addCopyRunId(ctx: IExperimentsContext): IDisposable {
  const { trans } = ctx;
  return ctx.commands.addCommand(CommandIDs.copyRunId, {
    label: trans.__('Copy Run ID'),
    describedBy: RUN_ARGS,
    isEnabled: args => targetRuns(ctx, args).length === 1,
    execute: args => {
      Clipboard.copyToSystem(targetRuns(ctx, args)[0]);
    }
  });
}

/**
 * The run to deploy: one loaded target run with a model package, when the
 * deploy plugin's command is there to deploy it; else `null`.
 */
export function runToDeploy(
  ctx: IExperimentsContext,
  args: ReadonlyPartialJSONObject
): IRun | null {
  if (!ctx.commands.hasCommand(CommandIDs.deployRun)) {
    return null;
  }
  const run = loadedTargetRun(ctx, args);
  return run && isDeployable(run) ? run : null;
}

export function addDeploySelectedRun(ctx: IExperimentsContext): IDisposable {
  const { commands, trans } = ctx;
  return commands.addCommand(CommandIDs.deploySelectedRun, {
    label: trans.__('Deploy Model…'),
    caption: trans.__("Serve the run's model as an HTTP endpoint"),
    describedBy: RUN_ARGS,
    isVisible: args => runToDeploy(ctx, args) !== null,
    isEnabled: args => {
      const run = runToDeploy(ctx, args);
      return (
        run !== null &&
        commands.isEnabled(CommandIDs.deployRun, { runId: run.run_id })
      );
    },
    execute: async args => {
      const run = runToDeploy(ctx, args);
      if (run) {
        await commands.execute(CommandIDs.deployRun, { runId: run.run_id });
      }
    }
  });
}
