/*
 * Automatic tracking plugin: wiring only. The per-notebook switch (a
 * notebook toolbar item and a command), the user setting and the command
 * that opens it.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, IToolbarWidgetRegistry } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// The toolbar item is on every notebook from the start, so its modules load
// with the plugin (they are small).
import { AutologClient } from '../api/autolog';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { AutologToggle } from '../autolog/AutologToggle';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { NotebookAutologModel } from '../autolog/model';
import { AUTOLOG_PLUGIN_ID, AutologSetting } from '../autolog/setting';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { describeAutologState } from '../autolog/state';

/**
 * Command ids of automatic tracking (`mlplatform:<verb-noun>`).
 */
export namespace AutologCommandIDs {
  /**
   * Flip the current notebook's switch (args: `enabled?: boolean` sets it).
   */
  export const toggleNotebook = 'mlplatform:toggle-notebook-autolog';
  /** Open the user setting in the settings editor. */
  export const openSettings = 'mlplatform:open-autolog-settings';
}

/**
 * The notebook toolbar item's name; `jupyter.lab.toolbars` in
 * `schema/autolog.json` places it, and users can hide or move it in the
 * Notebook Panel toolbar settings.
 */
const TOOLBAR_ITEM = 'mlplatform-autolog';
/** The widget factory of notebooks, whose toolbar gets the item. */
const NOTEBOOK_FACTORY = 'Notebook';
/** The settings editor's command, and what to search for in it. */
const SETTING_EDITOR_OPEN = 'settingeditor:open';
const SETTINGS_TITLE = 'ML Platform: Automatic tracking';

export const autologPlugin: JupyterFrontEndPlugin<void> = {
  id: AUTOLOG_PLUGIN_ID,
  description:
    'Automatic tracking: the per-notebook switch (toolbar item and command) and the user setting.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [
    IToolbarWidgetRegistry,
    ISettingRegistry,
    ICommandPalette,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    toolbarRegistry: IToolbarWidgetRegistry | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mlplatform');
    const { commands, shell } = app;
    const client = new AutologClient({
      serverSettings: app.serviceManager.serverSettings
    });
    const setting = new AutologSetting();

    const refreshCommands = (): void => {
      commands.notifyCommandChanged(AutologCommandIDs.toggleNotebook);
    };

    // One model per open notebook, whether or not its toolbar shows the item.
    const models = new Map<NotebookPanel, NotebookAutologModel>();
    const modelOf = (panel: NotebookPanel): NotebookAutologModel => {
      let model = models.get(panel);
      if (!model) {
        const created = new NotebookAutologModel({
          context: panel.context,
          kernel: panel.sessionContext,
          setting,
          client,
          trans
        });
        created.stateChanged.connect(() => {
          if (tracker.currentWidget === panel) {
            refreshCommands();
          }
        });
        panel.disposed.connect(() => {
          models.delete(panel);
          created.dispose();
        });
        models.set(panel, created);
        model = created;
      }
      return model;
    };
    tracker.widgetAdded.connect((_, panel) => {
      modelOf(panel);
    });

    /** The model of the notebook the commands act on, if it is current. */
    const currentModel = (): NotebookAutologModel | null => {
      const panel = tracker.currentWidget;
      return panel && panel === shell.currentWidget ? modelOf(panel) : null;
    };

    const openSettings = settingRegistry
      ? (): void => {
          void commands.execute(AutologCommandIDs.openSettings);
        }
      : null;

    toolbarRegistry?.addFactory<NotebookPanel>(
      NOTEBOOK_FACTORY,
      TOOLBAR_ITEM,
      panel => new AutologToggle({ model: modelOf(panel), trans, openSettings })
    );

    commands.addCommand(AutologCommandIDs.toggleNotebook, {
      label: trans.__('Track Training in This Notebook'),
      caption: () => {
        const model = currentModel();
        return model
          ? describeAutologState(model.state, trans, openSettings !== null)
              .tooltip
          : trans.__(
              'Switch automatic tracking of training cells on or off for the current notebook'
            );
      },
      describedBy: {
        args: {
          type: 'object',
          properties: {
            enabled: {
              type: 'boolean',
              description:
                'Switch tracking on (true) or off (false) instead of flipping it'
            }
          }
        }
      },
      isToggled: () => currentModel()?.state.notebookEnabled ?? false,
      isEnabled: () => currentModel()?.state.canToggle ?? false,
      execute: async args => {
        const model = currentModel();
        if (!model) {
          return false;
        }
        const enabled =
          typeof args['enabled'] === 'boolean'
            ? args['enabled']
            : !model.state.notebookEnabled;
        return model.setNotebookEnabled(enabled);
      }
    });

    commands.addCommand(AutologCommandIDs.openSettings, {
      label: trans.__('Automatic Tracking Settings'),
      caption: trans.__(
        'Open the setting that switches automatic tracking on or off in every notebook'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () =>
        settingRegistry !== null && commands.hasCommand(SETTING_EDITOR_OPEN),
      execute: async () => {
        if (commands.hasCommand(SETTING_EDITOR_OPEN)) {
          await commands.execute(SETTING_EDITOR_OPEN, {
            query: SETTINGS_TITLE
          });
        }
      }
    });

    const category = trans.__('ML Platform');
    [AutologCommandIDs.toggleNotebook, AutologCommandIDs.openSettings].forEach(
      command => palette?.addItem({ command, category })
    );
    tracker.currentChanged.connect(refreshCommands);
    shell.currentChanged?.connect(refreshCommands);

    if (settingRegistry) {
      settingRegistry
        .load(AUTOLOG_PLUGIN_ID)
        .then(settings => setting.attach(settings))
        .catch(reason => {
          console.error(
            `Failed to load the settings of ${AUTOLOG_PLUGIN_ID}.`,
            reason
          );
        });
    }
  }
};
