/*
 * The JupyterLab side of presence: what the notebook tracker, the shell and
 * the document manager give the presence model, the publisher and the
 * follow controller.
 */
import type { YNotebook } from '@jupyter/ydoc';
import { ILabShell } from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import {
  FollowController,
  FollowResult,
  IFollowTarget,
  IFollowView
} from '../presence/follow';
import { PresenceModel, yNotebookSource } from '../presence/model';
import { ICurrentNotebook, PresencePublisher } from '../presence/publisher';

/**
 * The notebook in front of the user: the tracker's current notebook when it
 * is also the main area's current widget (not when a terminal or a file is).
 */
export function currentNotebookPanel(
  tracker: INotebookTracker,
  labShell: { readonly currentWidget: Widget | null } | null
): NotebookPanel | null {
  const panel = tracker.currentWidget;
  if (panel === null || panel.isDisposed) {
    return null;
  }
  if (labShell && labShell.currentWidget !== panel) {
    return null;
  }
  return panel;
}

/**
 * Where the user is in a notebook panel, for the publisher.
 */
export function readNotebookPanel(panel: NotebookPanel): ICurrentNotebook {
  const notebook = panel.content;
  const cell = notebook.activeCell;
  return {
    path: panel.context.path,
    awareness: panel.context.model?.sharedModel.awareness ?? null,
    cellId: cell ? cell.model.id : null,
    cellIndex: cell ? notebook.activeCellIndex : null,
    mode: notebook.mode
  };
}

/**
 * Publish where the user is whenever the current notebook, its active cell
 * or its mode changes, and when this browser tab gets the focus back (its
 * location becomes the person's most recent one).
 */
export function connectPublisher(
  publisher: PresencePublisher,
  tracker: INotebookTracker,
  labShell: ILabShell | null
): IDisposable {
  let watched: NotebookPanel | null = null;
  const schedule = (): void => publisher.schedule();
  const onState = (_: unknown, change: { name: string }): void => {
    // The mode; or the active cell's position when cells are put above it.
    if (change.name === 'mode' || change.name === 'activeCellIndex') {
      publisher.schedule();
    }
  };
  const unwatch = (): void => {
    if (watched && !watched.isDisposed) {
      watched.content.activeCellChanged.disconnect(schedule);
      watched.content.stateChanged.disconnect(onState);
      watched.context.pathChanged.disconnect(schedule);
    }
    watched = null;
  };
  const watch = (): void => {
    const panel = tracker.currentWidget;
    if (panel === watched) {
      return;
    }
    unwatch();
    watched = panel;
    if (panel) {
      panel.content.activeCellChanged.connect(schedule);
      panel.content.stateChanged.connect(onState);
      panel.context.pathChanged.connect(schedule);
    }
  };
  const onCurrent = (): void => {
    watch();
    publisher.schedule();
  };
  const touch = (): void => publisher.schedule({ touch: true });
  const onVisibility = (): void => {
    if (document.visibilityState === 'visible') {
      touch();
    }
  };
  tracker.currentChanged.connect(onCurrent);
  labShell?.currentChanged.connect(onCurrent);
  window.addEventListener('focus', touch);
  document.addEventListener('visibilitychange', onVisibility);
  onCurrent();
  return new DisposableDelegate(() => {
    tracker.currentChanged.disconnect(onCurrent);
    labShell?.currentChanged.disconnect(onCurrent);
    window.removeEventListener('focus', touch);
    document.removeEventListener('visibilitychange', onVisibility);
    unwatch();
  });
}

/**
 * Give the presence model every shared notebook open in this lab (for the
 * cursors in them and their cell positions).
 */
export function connectNotebooks(
  presence: PresenceModel,
  tracker: INotebookTracker
): IDisposable {
  const added = new Map<NotebookPanel, IDisposable>();
  let disposed = false;
  const add = (panel: NotebookPanel): void => {
    void panel.context.ready.then(() => {
      if (disposed || panel.isDisposed || added.has(panel)) {
        return;
      }
      const notebook = panel.context.model.sharedModel as YNotebook;
      const source = presence.addNotebook(
        yNotebookSource(
          notebook,
          () => panel.context.path,
          panel.context.pathChanged
        )
      );
      added.set(panel, source);
      panel.disposed.connect(() => {
        source.dispose();
        added.delete(panel);
      });
    });
  };
  tracker.forEach(add);
  const onAdded = (_: unknown, panel: NotebookPanel): void => add(panel);
  tracker.widgetAdded.connect(onAdded);
  return new DisposableDelegate(() => {
    disposed = true;
    tracker.widgetAdded.disconnect(onAdded);
    added.forEach(source => source.dispose());
    added.clear();
  });
}

/** `Notebook.setMode` (protected in `@jupyterlab/notebook` 4.x). */
interface IModeSetter {
  setMode(mode: 'command' | 'edit', options: { focus: boolean }): void;
}

/**
 * Following's moves in JupyterLab: reveal (or open) the document, then make
 * the cell the active one and scroll to it when out of view. Unlike a
 * click on a person (`openNotebookAtCell`), it neither focuses the cell nor
 * warns about a missing cell (it may not have arrived yet): following moves
 * often, and the user may be reading the panel.
 */
export class LabFollowView implements IFollowView {
  constructor(
    docManager: IDocumentManager,
    shell: { readonly currentWidget: Widget | null },
    trans?: TranslationBundle
  ) {
    this._docManager = docManager;
    this._shell = shell;
    this._trans = trans ?? nullTranslator.load('jupyterlab_mlplatform');
  }

  async show(target: IFollowTarget): Promise<FollowResult> {
    let widget = this._docManager.findWidget(target.path, null);
    if (!widget || this._shell.currentWidget !== widget) {
      widget = this._docManager.openOrReveal(target.path);
    }
    if (!widget) {
      const trans = this._trans;
      Notification.warning(
        trans.__('Could not open %1 to follow there.', target.path),
        { autoClose: 5000 }
      );
      return 'failed';
    }
    try {
      await widget.context.ready;
    } catch {
      // The document manager has told the user why.
      return 'failed';
    }
    if (
      target.kind !== 'notebook' ||
      target.cellId === null ||
      !(widget instanceof NotebookPanel)
    ) {
      return 'shown';
    }
    await widget.revealed;
    const notebook = widget.content;
    const index = notebook.widgets.findIndex(
      cell => cell.model.id === target.cellId
    );
    if (index < 0) {
      return 'missing';
    }
    if (notebook.mode === 'edit') {
      // Leave edit mode without focusing the cell: the `mode` setter would
      // (Notebook.setMode is protected; its `focus` option is what we need).
      (notebook as unknown as IModeSetter).setMode('command', {
        focus: false
      });
    }
    if (notebook.activeCellIndex !== index) {
      notebook.activeCellIndex = index;
    }
    notebook.deselectAll();
    await notebook.scrollToItem(index, 'smart');
    return 'shown';
  }

  private _docManager: IDocumentManager;
  private _shell: { readonly currentWidget: Widget | null };
  private _trans: TranslationBundle;
}

/**
 * Call `callback` on the user's own input in the main area: a pointer press,
 * a key, a wheel turn. Programmatic moves make none of these.
 */
export function watchUserInput(
  isMainArea: (target: Node) => boolean,
  callback: () => void,
  root: Document = document
): IDisposable {
  const onInput = (event: Event): void => {
    const target = event.target;
    if (target instanceof Node && isMainArea(target)) {
      callback();
    }
  };
  const types = ['pointerdown', 'keydown', 'wheel'] as const;
  for (const type of types) {
    root.addEventListener(type, onInput, { capture: true, passive: true });
  }
  return new DisposableDelegate(() => {
    for (const type of types) {
      root.removeEventListener(type, onInput, { capture: true });
    }
  });
}

/** The class of the main area while following someone. */
export const FOLLOWING_CLASS = 'jp-mlp-mod-following';

/**
 * Frame the main area in the followed person's colour, with their name in
 * a corner, while following.
 */
export function frameWhileFollowing(
  follow: FollowController,
  mainArea: () => HTMLElement | null,
  label: (name: string) => string
): IDisposable {
  let framed: HTMLElement | null = null;
  const unframe = (): void => {
    if (framed) {
      framed.classList.remove(FOLLOWING_CLASS);
      framed.style.removeProperty('--jp-mlp-follow-color');
      delete framed.dataset.mlpFollowing;
      framed = null;
    }
  };
  const update = (): void => {
    const person = follow.following;
    const node = person ? mainArea() : null;
    if (node !== framed) {
      unframe();
    }
    if (person && node) {
      framed = node;
      node.classList.add(FOLLOWING_CLASS);
      if (person.user.color) {
        node.style.setProperty('--jp-mlp-follow-color', person.user.color);
      } else {
        node.style.removeProperty('--jp-mlp-follow-color');
      }
      node.dataset.mlpFollowing = label(person.user.display_name);
    }
  };
  follow.changed.connect(update);
  return new DisposableDelegate(() => {
    follow.changed.disconnect(update);
    unframe();
  });
}
