/*
 * Open the Experiments panel: one at most, its code loaded on first use.
 */
import type { WidgetTracker } from '@jupyterlab/apputils';
import type { IStateDB } from '@jupyterlab/statedb';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { experimentsIcon } from '../../../icons';
import type { ExperimentsPanel } from '../ExperimentsPanel';
import type { IRunsTableState } from '../runsModel';
import type { IExperimentsContext } from './context';

export interface IPanelOpenerOptions extends Pick<
  IExperimentsContext,
  'commands' | 'shell' | 'client' | 'events' | 'trans' | 'settings'
> {
  panels: WidgetTracker<ExperimentsPanel>;
  /** Where the runs table keeps its columns and sort between page loads. */
  stateDB: IStateDB | null;
  /** Where `stateDB` keeps the runs table's state. */
  stateKey: string;
  /**
   * The name the server records for the current user's runs, once known
   * (the "mine" switch); null when there is no identity.
   */
  currentUser?: Promise<string | null>;
}

/**
 * A function that opens (creating it when there is none) and shows the
 * Experiments panel, then the given experiments in it. Called twice while
 * the panel's code loads, it still creates one panel.
 */
export function panelOpener(
  options: IPanelOpenerOptions
): (experimentIds?: string[]) => Promise<ExperimentsPanel> {
  const { panels, shell } = options;
  let creating: Promise<ExperimentsPanel> | null = null;
  return async experimentIds => {
    let current = panels.currentWidget;
    if (!current || current.isDisposed) {
      creating ??= createPanel(options).finally(() => {
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
}

async function createPanel(
  options: IPanelOpenerOptions
): Promise<ExperimentsPanel> {
  const { client, commands, events, panels, settings, shell, stateDB, trans } =
    options;
  const [{ ExperimentsPanel }, { ExperimentsModel }, { RunsModel }] =
    await Promise.all([
      import('../ExperimentsPanel'),
      import('../model'),
      import('../runsModel')
    ]);
  events.connect();
  const runs = new RunsModel({
    client,
    events,
    trans,
    stateStore: stateDB
      ? {
          load: async () =>
            ((await stateDB.fetch(options.stateKey)) ??
              null) as unknown as IRunsTableState | null,
          save: async state => {
            await stateDB.save(
              options.stateKey,
              state as unknown as ReadonlyPartialJSONObject
            );
          }
        }
      : undefined
  });
  void options.currentUser?.then(user => {
    runs.currentUser = user;
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
  // Keep menus and the toolbar's buttons in step with the selection.
  created.runs.changed.connect(() => commands.notifyCommandChanged());
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
}
