/*
 * Experiments panel plugin: wiring only. The panel, the run detail and the
 * compare view in the main area, their commands, context menu, launcher and
 * palette items, settings and layout restoration.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Clipboard,
  Dialog,
  ICommandPalette,
  InputDialog,
  Notification,
  showDialog,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ILauncher } from '@jupyterlab/launcher';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

// The deploy plugin loads this module at start anyway, and the menu needs it
// synchronously to decide whether to show "Deploy Model…".
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { DeploymentsClient, isDeployable } from '../api/deployments';
import type { IRun } from '../api/tracking';
import { experimentsIcon } from '../icons';
import type { ComparePanel } from '../panels/compare/ComparePanel';
import type { ExperimentsPanel } from '../panels/experiments/ExperimentsPanel';
import type { IRunsTableState } from '../panels/experiments/runsModel';
import type { RunPanel } from '../panels/run/RunPanel';
import { CommandIDs, COMPARE_RUNS_LIMITS, ITrackingService } from '../tokens';
import { reportError } from '../notify';

const PLUGIN_ID = 'jupyterlab-mlplatform:experiments';
const TABLE_STATE_KEY = `${PLUGIN_ID}:runs-table`;
const ROW_SELECTOR = '.jp-mlp-RunsTable-row';
/** Runs fetched per request unless the settings say otherwise. */
const DEFAULT_PAGE_SIZE = 200;
/** Points per metric history for charts unless the settings say otherwise. */
const DEFAULT_CHART_POINTS = 1500;

/** Argument schemas of the commands (`describedBy`). */
const NO_ARGS = { args: { type: 'object', properties: {} } };
const RUN_ARGS = {
  args: {
    type: 'object',
    properties: {
      runId: { type: 'string', description: 'The run (default: the selection)' }
    }
  }
};
const RUNS_ARGS = {
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

export const experimentsPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'The Experiments panel: runs table, run detail and compare view in the main area.',
  autoStart: true,
  requires: [ITrackingService],
  optional: [
    ICommandPalette,
    ILauncher,
    ILayoutRestorer,
    IDocumentManager,
    IRenderMimeRegistry,
    ISettingRegistry,
    IStateDB,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    tracking: ITrackingService,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    restorer: ILayoutRestorer | null,
    docManager: IDocumentManager | null,
    rendermime: IRenderMimeRegistry | null,
    settingRegistry: ISettingRegistry | null,
    stateDB: IStateDB | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mlplatform');
    const { client, events } = tracking;
    const { commands, shell } = app;
    const settings = {
      pageSize: DEFAULT_PAGE_SIZE,
      chartMaxPoints: DEFAULT_CHART_POINTS,
      defaultColumns: null as string[] | null
    };

    const panels = new WidgetTracker<ExperimentsPanel>({
      namespace: 'mlplatform-experiments'
    });
    const runPanels = new WidgetTracker<RunPanel>({
      namespace: 'mlplatform-run'
    });
    const comparePanels = new WidgetTracker<ComparePanel>({
      namespace: 'mlplatform-compare'
    });

    const panel = (): ExperimentsPanel | null => panels.currentWidget;

    /** Keep menus and the toolbar's buttons in step with the selection. */
    const refreshCommands = (): void => commands.notifyCommandChanged();

    /** Create the panel (its code loads on first use). */
    const createPanel = async (): Promise<ExperimentsPanel> => {
      const [{ ExperimentsPanel }, { ExperimentsModel }, { RunsModel }] =
        await Promise.all([
          import('../panels/experiments/ExperimentsPanel'),
          import('../panels/experiments/model'),
          import('../panels/experiments/runsModel')
        ]);
      events.connect();
      const runs = new RunsModel({
        client,
        events,
        trans,
        stateStore: stateDB
          ? {
              load: async () =>
                ((await stateDB.fetch(TABLE_STATE_KEY)) ??
                  null) as unknown as IRunsTableState | null,
              save: async state => {
                await stateDB.save(
                  TABLE_STATE_KEY,
                  state as unknown as ReadonlyPartialJSONObject
                );
              }
            }
          : undefined
      });
      runs.pageSize = settings.pageSize;
      if (settings.defaultColumns) {
        runs.defaultAttributeColumns = settings.defaultColumns;
      }
      const created = new ExperimentsPanel({
        experiments: new ExperimentsModel({ client, events, trans }),
        runs,
        commands,
        trans
      });
      created.title.icon = experimentsIcon;
      created.runs.changed.connect(refreshCommands);
      // Remember the chosen experiments for the next page load.
      let saved = '';
      created.runs.changed.connect(() => {
        const ids = created.runs.experimentIds.join(',');
        if (ids !== saved) {
          saved = ids;
          void panels.save(created);
        }
      });
      void panels.add(created);
      shell.add(created, 'main');
      return created;
    };
    let creating: Promise<ExperimentsPanel> | null = null;

    const openPanel = async (
      experimentIds?: string[]
    ): Promise<ExperimentsPanel> => {
      let current = panel();
      if (!current || current.isDisposed) {
        // One panel even when the command runs twice while its code loads.
        creating ??= createPanel().finally(() => {
          creating = null;
        });
        current = await creating;
      }
      if (experimentIds && experimentIds.length > 0) {
        void current.showExperiments(experimentIds);
      }
      shell.activateById(current.id);
      return current;
    };

    /** The runs a command applies to: its `runIds`/`runId` argument, the
     * current run panel's run, or the selection of the runs table. */
    const targetRuns = (args: ReadonlyPartialJSONObject): string[] => {
      if (Array.isArray(args['runIds'])) {
        return args['runIds'] as string[];
      }
      if (typeof args['runId'] === 'string') {
        return [args['runId']];
      }
      const current = runPanels.currentWidget;
      if (current && current === shell.currentWidget) {
        return [current.runId];
      }
      return panel()?.selectedRuns.map(r => r.run_id) ?? [];
    };

    const findRun = async (runId: string): Promise<IRun> =>
      panel()?.runs.run(runId) ?? (await client.getRun(runId));

    /** The run a command applies to when it is one already loaded (in the
     * runs table or a run panel), else `null`. */
    const loadedTargetRun = (args: ReadonlyPartialJSONObject): IRun | null => {
      const runIds = targetRuns(args);
      if (runIds.length !== 1) {
        return null;
      }
      const [runId] = runIds;
      return (
        panel()?.runs.run(runId) ??
        runPanels.find(p => p.runId === runId)?.run ??
        null
      );
    };

    /** The run to deploy: one target run with a model package, and the
     * deploy plugin's command to deploy it with. */
    const runToDeploy = (args: ReadonlyPartialJSONObject): IRun | null => {
      if (!commands.hasCommand(CommandIDs.deployRun)) {
        return null;
      }
      const run = loadedTargetRun(args);
      return run && isDeployable(run) ? run : null;
    };

    const afterChange = async (): Promise<void> => {
      await panel()?.runs.reloadRuns(true);
      runPanels.forEach(p => void p.reload());
    };

    commands.addCommand(CommandIDs.openExperiments, {
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
        await openPanel(args['experimentIds'] as string[] | undefined);
      }
    });

    commands.addCommand(CommandIDs.newExperiment, {
      label: trans.__('New Experiment…'),
      caption: trans.__('Create an experiment'),
      describedBy: NO_ARGS,
      execute: async () => {
        const result = await InputDialog.getText({
          title: trans.__('New experiment'),
          label: trans.__('Name'),
          placeholder: trans.__('my-experiment'),
          okLabel: trans.__('Create')
        });
        const name = result.value?.trim();
        if (!result.button.accept || !name) {
          return;
        }
        try {
          const created = await client.createExperiment({ name });
          const current = await openPanel();
          await current.experiments.refresh();
          await current.showExperiments([created.experiment_id]);
        } catch (error) {
          reportError(trans.__('Could not create the experiment'), error);
        }
      }
    });

    commands.addCommand(CommandIDs.openRun, {
      label: trans.__('Open Run'),
      caption: trans.__('Show the run: params, charts, artifacts and code'),
      describedBy: RUN_ARGS,
      isEnabled: args => targetRuns(args).length === 1,
      execute: async args => {
        const [runId] = targetRuns(args);
        const open = runPanels.find(p => p.runId === runId);
        if (open) {
          shell.activateById(open.id);
          return;
        }
        const [{ RunPanel }, { provenanceActions }] = await Promise.all([
          import('../panels/run/RunPanel'),
          import('../collab/provenance/actions')
        ]);
        const widget = new RunPanel({
          runId,
          client,
          events,
          commands,
          rendermime,
          maxPoints: settings.chartMaxPoints,
          provenance: {
            actions: provenanceActions({ commands, docManager, trans }),
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

    commands.addCommand(CommandIDs.openRunSource, {
      label: trans.__('Open Source Notebook'),
      caption: trans.__('Open the notebook at the cell that produced the run'),
      describedBy: RUN_ARGS,
      isEnabled: args => docManager !== null && targetRuns(args).length === 1,
      execute: async args => {
        const [runId] = targetRuns(args);
        try {
          const { openRunSource } =
            await import('../panels/experiments/openSource');
          await openRunSource(docManager!, await findRun(runId), trans);
        } catch (error) {
          reportError(trans.__('Could not open the source'), error);
        }
      }
    });

    commands.addCommand(CommandIDs.compareRuns, {
      label: args => {
        const count = targetRuns(args).length;
        return count >= COMPARE_RUNS_LIMITS.min
          ? trans.__('Compare %1 Runs', count)
          : trans.__('Compare Runs');
      },
      caption: trans.__(
        'Select %1 to %2 runs to compare them',
        COMPARE_RUNS_LIMITS.min,
        COMPARE_RUNS_LIMITS.max
      ),
      describedBy: RUNS_ARGS,
      isEnabled: args => {
        const count = targetRuns(args).length;
        return (
          count >= COMPARE_RUNS_LIMITS.min && count <= COMPARE_RUNS_LIMITS.max
        );
      },
      execute: async args => {
        const { ComparePanel } = await import('../panels/compare/ComparePanel');
        const widget = new ComparePanel({
          runIds: targetRuns(args),
          client,
          events,
          commands,
          maxPoints: settings.chartMaxPoints,
          trans
        });
        widget.title.icon = experimentsIcon;
        void comparePanels.add(widget);
        shell.add(widget, 'main', { mode: 'tab-after' });
        shell.activateById(widget.id);
      }
    });

    commands.addCommand(CommandIDs.renameRun, {
      label: trans.__('Rename Run…'),
      describedBy: RUN_ARGS,
      isEnabled: args => targetRuns(args).length === 1,
      execute: async args => {
        const [runId] = targetRuns(args);
        try {
          const run = await findRun(runId);
          const result = await InputDialog.getText({
            title: trans.__('Rename run'),
            label: trans.__('Name'),
            text: run.name,
            okLabel: trans.__('Rename')
          });
          const name = result.value?.trim();
          if (result.button.accept && name && name !== run.name) {
            await client.updateRun(runId, { name });
            await afterChange();
          }
        } catch (error) {
          reportError(trans.__('Could not rename the run'), error);
        }
      }
    });

    commands.addCommand(CommandIDs.tagRuns, {
      label: trans.__('Tag Runs…'),
      caption: trans.__('Set a tag on the selected runs'),
      describedBy: RUNS_ARGS,
      isEnabled: args => targetRuns(args).length > 0,
      execute: async args => {
        const runIds = targetRuns(args);
        const result = await InputDialog.getText({
          title: trans._n('Tag %1 run', 'Tag %1 runs', runIds.length),
          label: trans.__('Tag, as key=value'),
          placeholder: trans.__('stage=candidate'),
          okLabel: trans.__('Tag')
        });
        const text = result.value ?? '';
        const equals = text.indexOf('=');
        const key = (equals < 0 ? text : text.slice(0, equals)).trim();
        if (!result.button.accept || !key) {
          return;
        }
        const value = equals < 0 ? '' : text.slice(equals + 1).trim();
        try {
          await Promise.all(
            runIds.map(id => client.logBatch(id, { tags: { [key]: value } }))
          );
          await panel()?.runs.reloadKeys();
          await afterChange();
        } catch (error) {
          reportError(trans.__('Could not tag the runs'), error);
        }
      }
    });

    commands.addCommand(CommandIDs.deleteRuns, {
      label: trans.__('Delete Runs…'),
      caption: trans.__('Delete the selected runs (they can be restored)'),
      describedBy: RUNS_ARGS,
      isEnabled: args => targetRuns(args).length > 0,
      execute: async args => {
        const runIds = targetRuns(args);
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
          await Promise.all(runIds.map(id => client.deleteRun(id)));
          await afterChange();
        } catch (error) {
          reportError(trans.__('Could not delete the runs'), error);
        }
      }
    });

    commands.addCommand(CommandIDs.restoreRuns, {
      label: trans.__('Restore Runs'),
      caption: trans.__('Restore the selected deleted runs'),
      describedBy: RUNS_ARGS,
      isEnabled: args => targetRuns(args).length > 0,
      execute: async args => {
        try {
          await Promise.all(
            targetRuns(args).map(id =>
              client.updateRun(id, { lifecycle_stage: 'active' })
            )
          );
          await afterChange();
        } catch (error) {
          reportError(trans.__('Could not restore the runs'), error);
        }
      }
    });

    commands.addCommand(CommandIDs.copyRunId, {
      label: trans.__('Copy Run ID'),
      describedBy: RUN_ARGS,
      isEnabled: args => targetRuns(args).length === 1,
      execute: args => {
        Clipboard.copyToSystem(targetRuns(args)[0]);
      }
    });

    commands.addCommand(CommandIDs.deploySelectedRun, {
      label: trans.__('Deploy Model…'),
      caption: trans.__("Serve the run's model as an HTTP endpoint"),
      describedBy: RUN_ARGS,
      isVisible: args => runToDeploy(args) !== null,
      isEnabled: args => {
        const run = runToDeploy(args);
        return (
          run !== null &&
          commands.isEnabled(CommandIDs.deployRun, { runId: run.run_id })
        );
      },
      execute: async args => {
        const run = runToDeploy(args);
        if (run) {
          await commands.execute(CommandIDs.deployRun, { runId: run.run_id });
        }
      }
    });

    commands.addCommand(CommandIDs.exportRuns, {
      label: trans.__('Export Runs as CSV'),
      caption: trans.__('Download every run matching the filter as CSV'),
      describedBy: NO_ARGS,
      isEnabled: () => (panel()?.runs.experimentIds.length ?? 0) > 0,
      execute: async () => {
        const current = panel();
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

    // Run actions on the table's rows (right-click selects the row first).
    const rowCommands = [
      CommandIDs.openRun,
      CommandIDs.openRunSource,
      CommandIDs.compareRuns,
      CommandIDs.renameRun,
      CommandIDs.tagRuns,
      CommandIDs.copyRunId,
      CommandIDs.deploySelectedRun,
      CommandIDs.deleteRuns,
      CommandIDs.restoreRuns
    ];
    rowCommands.forEach((command, rank) =>
      app.contextMenu.addItem({ command, selector: ROW_SELECTOR, rank })
    );

    const category = trans.__('ML Platform');
    [
      CommandIDs.openExperiments,
      CommandIDs.newExperiment,
      CommandIDs.compareRuns,
      CommandIDs.exportRuns
    ].forEach(command => palette?.addItem({ command, category }));
    launcher?.add({ command: CommandIDs.openExperiments, category, rank: 1 });

    shell.currentChanged?.connect(refreshCommands);

    if (restorer) {
      void restorer.restore(panels, {
        command: CommandIDs.openExperiments,
        args: widget => ({ experimentIds: [...widget.runs.experimentIds] }),
        name: () => 'experiments'
      });
      void restorer.restore(runPanels, {
        command: CommandIDs.openRun,
        args: widget => ({ runId: widget.runId }),
        name: widget => widget.runId
      });
      void restorer.restore(comparePanels, {
        command: CommandIDs.compareRuns,
        args: widget => ({ runIds: [...widget.runIds] }),
        name: widget => widget.runIds.join(',')
      });
    }

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          const apply = (): void => {
            settings.pageSize =
              (loaded.get('pageSize').composite as number | undefined) ??
              DEFAULT_PAGE_SIZE;
            settings.chartMaxPoints =
              (loaded.get('chartMaxPoints').composite as number | undefined) ??
              DEFAULT_CHART_POINTS;
            const columns = loaded.get('defaultColumns').composite;
            settings.defaultColumns = Array.isArray(columns)
              ? (columns as string[])
              : null;
            const current = panel();
            if (current) {
              current.runs.pageSize = settings.pageSize;
              if (settings.defaultColumns) {
                current.runs.defaultAttributeColumns = settings.defaultColumns;
              }
            }
          };
          apply();
          loaded.changed.connect(apply);
        })
        .catch(reason => {
          console.error(`Failed to load the settings of ${PLUGIN_ID}.`, reason);
        });
    }
  }
};

/** Hand a text to the browser as a file download. */
function download(text: string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
