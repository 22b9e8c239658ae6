/*
 * Experiments panel plugin: wiring only. The panel, the run detail and the
 * compare view in the main area, their commands (each in a `commands`
 * module next to its panel), context menu, launcher and palette items,
 * settings and layout restoration.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ILauncher } from '@jupyterlab/launcher';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// The commands register at start (menus, palette and shortcuts refer to
// them); the panels' own code loads when a command first needs it.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { addCompareRuns } from '../panels/compare/commands';
import type { ComparePanel } from '../panels/compare/ComparePanel';
import type { IExperimentsContext } from '../panels/experiments/commands/context';
import { panelOpener } from '../panels/experiments/commands/openPanel';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import {
  addExportRuns,
  addNewExperiment,
  addOpenExperiments
} from '../panels/experiments/commands/panelCommands';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import {
  addCopyRunId,
  addDeleteRuns,
  addDeploySelectedRun,
  addOpenRunSource,
  addRenameRun,
  addRestoreRuns,
  addTagRuns
} from '../panels/experiments/commands/runCommands';
import type { ExperimentsPanel } from '../panels/experiments/ExperimentsPanel';
import {
  defaultExperimentsSettings,
  readExperimentsSettings
} from '../panels/experiments/settings';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { addOpenRun, addOpenRunNotebook } from '../panels/run/commands';
import type { RunPanel } from '../panels/run/RunPanel';
import { CommandIDs, ITrackingService } from '../tokens';

const PLUGIN_ID = 'jupyterlab-mlplatform:experiments';
const TABLE_STATE_KEY = `${PLUGIN_ID}:runs-table`;
const ROW_SELECTOR = '.jp-mlp-RunsTable-row';

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
    const settings = defaultExperimentsSettings();

    const panels = new WidgetTracker<ExperimentsPanel>({
      namespace: 'mlplatform-experiments'
    });
    const runPanels = new WidgetTracker<RunPanel>({
      namespace: 'mlplatform-run'
    });
    const comparePanels = new WidgetTracker<ComparePanel>({
      namespace: 'mlplatform-compare'
    });
    const ctx: IExperimentsContext = {
      commands,
      shell,
      client,
      events,
      trans,
      panels,
      runPanels,
      comparePanels,
      settings,
      docManager,
      rendermime,
      openPanel: panelOpener({
        commands,
        shell,
        client,
        events,
        trans,
        settings,
        panels,
        stateDB,
        stateKey: TABLE_STATE_KEY,
        currentUser: recordedUserName(app)
      })
    };

    [
      addOpenExperiments,
      addNewExperiment,
      addOpenRun,
      addOpenRunSource,
      addOpenRunNotebook,
      addCompareRuns,
      addRenameRun,
      addTagRuns,
      addDeleteRuns,
      addRestoreRuns,
      addCopyRunId,
      addDeploySelectedRun,
      addExportRuns
    ].forEach(add => add(ctx));

    // Run actions on the table's rows (right-click selects the row first).
    const rowCommands = [
      CommandIDs.openRun,
      CommandIDs.openRunSource,
      CommandIDs.openRunNotebook,
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

    // Keep menus and the toolbar's buttons in step with the current tab.
    shell.currentChanged?.connect(() => commands.notifyCommandChanged());

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
            Object.assign(settings, readExperimentsSettings(loaded));
            const current = panels.currentWidget;
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

/**
 * The name the server records as a run's user for this user: the identity's
 * `name`, else its `username` (`base.py`'s `user_name`); null without one.
 */
async function recordedUserName(app: JupyterFrontEnd): Promise<string | null> {
  try {
    const users = app.serviceManager.user;
    await users.ready;
    const identity = users.identity;
    return identity?.name || identity?.username || null;
  } catch {
    return null; // no user manager, or it failed: "mine" stays off
  }
}
