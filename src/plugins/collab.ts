/*
 * Collaboration plugin: wiring only. The Collaboration panel (who is here
 * and where, Follow, the activity feed), publishing where we are, and the
 * commands to open the panel and to follow someone.
 */
import { IGlobalAwareness } from '@jupyter/collaborative-drive';
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  Notification
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { Awareness } from 'y-protocols/awareness';

// The sidebar tab and the presence exist from the start, so their modules
// load with the plugin.
import { CollabClient } from '../api/collab';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { ActivityModel } from '../collab/activity/model';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import {
  COLLAB_SIDEBAR_ID,
  CollabSidebar,
  ICollabActions
} from '../collab/panel/CollabSidebar';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import {
  connectNotebooks,
  connectPublisher,
  currentNotebookPanel,
  frameWhileFollowing,
  LabFollowView,
  readNotebookPanel,
  watchUserInput
} from '../collab/panel/lab';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { CollabStatusModel } from '../collab/panel/statusModel';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { FollowController } from '../collab/presence/follow';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { PresenceModel } from '../collab/presence/model';
import type { IPerson } from '../collab/presence/people';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { PresencePublisher } from '../collab/presence/publisher';
import { collaborationIcon } from '../collab/icons';
import { openNotebookAtCell } from '../notebooks/openCell';
import { CommandIDs, ITrackingService } from '../tokens';

const PLUGIN_ID = 'jupyterlab-mlplatform:collaboration';

/** The id of JupyterLab's main dock panel (the documents). */
const MAIN_AREA_ID = 'jp-main-dock-panel';

export const collabPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'The Collaboration panel: who is here and on which cell, following a collaborator, and the activity feed of cell runs and deployments.',
  autoStart: true,
  requires: [ITrackingService],
  optional: [
    IGlobalAwareness,
    INotebookTracker,
    IDocumentManager,
    ILabShell,
    ILayoutRestorer,
    ICommandPalette,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    tracking: ITrackingService,
    awareness: Awareness | null,
    tracker: INotebookTracker | null,
    docManager: IDocumentManager | null,
    labShell: ILabShell | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mlplatform');
    const { commands, shell } = app;
    const client = new CollabClient({
      serverSettings: app.serviceManager.serverSettings
    });

    // Who is here (global awareness), refined by the notebooks open here;
    // where we are, published for the others.
    const presence = new PresenceModel(awareness);
    if (awareness && tracker) {
      connectNotebooks(presence, tracker);
      const publisher = new PresencePublisher({
        awareness,
        read: () => {
          const panel = currentNotebookPanel(tracker, labShell);
          return panel ? readNotebookPanel(panel) : null;
        }
      });
      connectPublisher(publisher, tracker, labShell);
    }
    const follow =
      awareness && docManager
        ? Private.startFollowing(app, presence, docManager, labShell, trans)
        : null;

    const sidebar = new CollabSidebar({
      presence,
      follow,
      activity: new ActivityModel({ client, events: tracking.events, trans }),
      status: new CollabStatusModel({ client, trans }),
      actions: Private.actions(commands, docManager, trans),
      trans
    });
    shell.add(sidebar, 'left', { rank: 620 });
    restorer?.add(sidebar, COLLAB_SIDEBAR_ID);

    commands.addCommand(CommandIDs.openCollaboration, {
      label: trans.__('Collaboration'),
      caption: trans.__(
        'Who is here and on which cell, and what the team ran and deployed'
      ),
      icon: args => (args['isPalette'] ? undefined : collaborationIcon),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => {
        shell.activateById(sidebar.id);
      }
    });
    Private.addFollowCommands(commands, presence, follow, trans);

    if (palette) {
      const category = trans.__('ML Platform');
      for (const command of [
        CommandIDs.openCollaboration,
        CommandIDs.followUser,
        CommandIDs.stopFollowing
      ]) {
        palette.addItem({ command, category });
      }
    }
  }
};

namespace Private {
  export function displayName(person: IPerson): string {
    return person.user.display_name || person.username;
  }

  /**
   * Following: our moves come from the view; our user's own input in the
   * main area (or a switch to another document) ends it.
   */
  export function startFollowing(
    app: JupyterFrontEnd,
    presence: PresenceModel,
    docManager: IDocumentManager,
    labShell: ILabShell | null,
    trans: TranslationBundle
  ): FollowController {
    const { commands, shell } = app;
    const follow = new FollowController({
      people: presence,
      view: new LabFollowView(docManager, shell, trans)
    });
    const mainArea = (): HTMLElement | null =>
      document.getElementById(MAIN_AREA_ID);
    watchUserInput(
      target =>
        (mainArea() ?? shell.currentWidget?.node)?.contains(target) ?? false,
      () => follow.userActed()
    );
    labShell?.currentChanged.connect((_, change) => {
      const widget = change.newValue;
      const context = widget ? docManager.contextForWidget(widget) : null;
      follow.currentChanged(context ? context.path : null);
    });
    frameWhileFollowing(follow, mainArea, name =>
      trans.__('Following %1', name)
    );
    follow.changed.connect(() => {
      commands.notifyCommandChanged(CommandIDs.stopFollowing);
      commands.notifyCommandChanged(CommandIDs.followUser);
    });
    follow.stopped.connect((_, { person, reason }) => {
      if (reason === 'left') {
        Notification.info(
          trans.__('%1 left: you no longer follow them.', displayName(person)),
          { autoClose: 5000 }
        );
      }
    });
    return follow;
  }

  /**
   * What the panel's rows and links do: go to a person, a cell, a run, a
   * deployment.
   */
  export function actions(
    commands: CommandRegistry,
    docManager: IDocumentManager | null,
    trans: TranslationBundle
  ): ICollabActions {
    return {
      openPerson: person => {
        const location = person.location;
        if (!location || !docManager) {
          return;
        }
        if (location.kind === 'notebook') {
          void openNotebookAtCell(
            docManager,
            location.path,
            location.cellId,
            trans,
            trans.__(
              'The cell %1 is on is not in your copy of %2 yet.',
              displayName(person),
              location.path
            )
          );
        } else if (!docManager.openOrReveal(location.path)) {
          Notification.error(trans.__('Could not open %1', location.path), {
            autoClose: 8000
          });
        }
      },
      openLink: link => {
        switch (link.kind) {
          case 'cell':
            if (docManager) {
              void openNotebookAtCell(
                docManager,
                link.path,
                link.cellId,
                trans
              );
            }
            break;
          case 'run':
            if (commands.hasCommand(CommandIDs.openRun)) {
              void commands.execute(CommandIDs.openRun, { runId: link.runId });
            }
            break;
          case 'deployment':
            if (commands.hasCommand(CommandIDs.openDeploy)) {
              void commands.execute(CommandIDs.openDeploy, {
                name: link.name
              });
            }
            break;
        }
      }
    };
  }

  /**
   * `follow-user` (a Follow toggle per person, or ask whom) and
   * `stop-following`.
   */
  export function addFollowCommands(
    commands: CommandRegistry,
    presence: PresenceModel,
    follow: FollowController | null,
    trans: TranslationBundle
  ): void {
    /** The person a command names (`username`), when connected. */
    const argPerson = (args: ReadonlyPartialJSONObject): IPerson | null =>
      typeof args['username'] === 'string'
        ? presence.person(args['username'])
        : null;
    const others = (): IPerson[] => presence.people.filter(p => !p.isSelf);

    commands.addCommand(CommandIDs.followUser, {
      label: args => {
        const person = argPerson(args);
        return person
          ? trans.__('Follow %1', displayName(person))
          : trans.__('Follow a Collaborator…');
      },
      caption: trans.__(
        'Your view goes where they go (notebook and cell) until you click, type or scroll'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            username: {
              type: 'string',
              description: 'Who to follow (default: ask)'
            }
          }
        }
      },
      isEnabled: args => {
        if (!follow) {
          return false;
        }
        const person = argPerson(args);
        return typeof args['username'] === 'string'
          ? person !== null && !person.isSelf
          : others().length > 0;
      },
      isToggled: args =>
        typeof args['username'] === 'string' &&
        follow?.following?.username === args['username'],
      execute: async args => {
        if (!follow) {
          return;
        }
        let person = argPerson(args);
        if (person === null) {
          person = await askWhom(others(), trans);
        } else if (follow.following?.username === person.username) {
          follow.stop('command');
          return;
        }
        if (person !== null) {
          follow.follow(person.username);
        }
      }
    });

    commands.addCommand(CommandIDs.stopFollowing, {
      label: args => {
        const person = follow?.following;
        return person && !args['isPalette']
          ? trans.__('Stop Following %1', displayName(person))
          : trans.__('Stop Following');
      },
      caption: trans.__('Take your view back'),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => (follow?.following ?? null) !== null,
      execute: () => {
        follow?.stop('command');
      }
    });
  }

  /** Ask whom to follow among `candidates`; `null` when cancelled. */
  async function askWhom(
    candidates: IPerson[],
    trans: TranslationBundle
  ): Promise<IPerson | null> {
    const labels = candidates.map(p => `${displayName(p)} (${p.username})`);
    const result = await InputDialog.getItem({
      title: trans.__('Follow a Collaborator'),
      label: trans.__('Your view goes where they go until you act.'),
      items: labels,
      okLabel: trans.__('Follow')
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    return candidates[labels.indexOf(result.value)] ?? null;
  }
}
