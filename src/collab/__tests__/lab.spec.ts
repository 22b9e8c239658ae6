import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { NotebookPanel, NotebookTracker } from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import { Widget } from '@lumino/widgets';
import { Awareness } from 'y-protocols/awareness';

import { PRESENCE_FIELD } from '../../api/collab';
import {
  connectPublisher,
  currentNotebookPanel,
  LabFollowView,
  readNotebookPanel
} from '../panel/lab';
import { PresencePublisher } from '../presence/publisher';
import { readLocation } from '../presence/state';
import { linkAwareness, tab } from './room';

/** A real notebook panel (three code cells first), attached to the page. */
async function notebookPanel(path: string): Promise<NotebookPanel> {
  const context = await NBTestUtils.createMockContext();
  await context.rename(path);
  const panel = NBTestUtils.createNotebookPanel(context);
  context.model.sharedModel.insertCells(0, [
    { cell_type: 'code', source: 'a = 1' },
    { cell_type: 'code', source: 'b = 2' },
    { cell_type: 'code', source: 'c = 3' }
  ]);
  Widget.attach(panel, document.body);
  return panel;
}

describe('publishing from the notebook tracker', () => {
  let me: Awareness;
  let bob: Awareness;
  let unlink: () => void;
  let tracker: NotebookTracker;
  let panel: NotebookPanel;
  let publisher: PresencePublisher;
  /** The main area's current widget, as `ILabShell` tells it. */
  let shell: { currentWidget: Widget | null };

  beforeEach(async () => {
    me = tab('alice', 'Alice');
    bob = tab('bob', 'Bob');
    unlink = linkAwareness(me, bob);
    tracker = new NotebookTracker({ namespace: 'test-notebooks' });
    panel = await notebookPanel('train.ipynb');
    shell = { currentWidget: panel };
    publisher = new PresencePublisher({
      awareness: me,
      read: () => {
        const current = currentNotebookPanel(tracker, shell);
        return current ? readNotebookPanel(current) : null;
      },
      interval: 0
    });
  });

  afterEach(() => {
    publisher.dispose();
    panel.dispose();
    tracker.dispose();
    unlink();
    me.destroy();
    bob.destroy();
  });

  const seen = () =>
    readLocation(bob.getStates().get(me.clientID)?.[PRESENCE_FIELD]);

  it('publishes the active cell and the mode as they change', async () => {
    const connection = connectPublisher(publisher, tracker, null);
    panel.content.activeCellIndex = 0;
    await tracker.add(panel);
    const cells = panel.content.widgets;
    expect(seen()).toMatchObject({
      path: 'train.ipynb',
      cellId: cells[0].model.id,
      cellIndex: 0,
      mode: 'command'
    });

    panel.content.activeCellIndex = 2;
    expect(seen()).toMatchObject({ cellId: cells[2].model.id, cellIndex: 2 });

    panel.content.mode = 'edit';
    expect(seen()?.mode).toBe('edit');
    // The notebook's own awareness carries it too.
    const local = panel.context.model.sharedModel.awareness.getLocalState();
    expect(local?.[PRESENCE_FIELD]).toEqual(seen());

    // A terminal comes to the front: no notebook.
    shell.currentWidget = new Widget();
    publisher.schedule();
    expect(seen()?.path).toBeNull();
    shell.currentWidget = panel;
    publisher.schedule();

    connection.dispose();
    panel.content.activeCellIndex = 1;
    expect(seen()?.cellIndex).toBe(2);
  });
});

describe('LabFollowView', () => {
  it('activates and scrolls to the cell without taking the focus', async () => {
    const panel = await notebookPanel('eda.ipynb');
    const docManager = {
      findWidget: (path: string) => (path === 'eda.ipynb' ? panel : undefined),
      openOrReveal: jest.fn()
    } as unknown as IDocumentManager;
    const view = new LabFollowView(docManager, { currentWidget: panel });
    // We were typing in the notebook, then clicked in the sidebar.
    panel.content.mode = 'edit';
    const sidebarButton = document.createElement('button');
    document.body.appendChild(sidebarButton);
    sidebarButton.focus();
    const target = panel.content.widgets[2].model.id;

    expect(
      await view.show({ kind: 'notebook', path: 'eda.ipynb', cellId: target })
    ).toBe('shown');

    expect(panel.content.activeCellIndex).toBe(2);
    expect(panel.content.mode).toBe('command');
    expect(document.activeElement).toBe(sidebarButton);
    // The notebook was current already: not re-opened (that would focus it).
    expect(docManager.openOrReveal).not.toHaveBeenCalled();

    // A cell not (yet) in our copy.
    expect(
      await view.show({ kind: 'notebook', path: 'eda.ipynb', cellId: 'nope' })
    ).toBe('missing');
    expect(panel.content.activeCellIndex).toBe(2);
    sidebarButton.remove();
    panel.dispose();
  });

  it('opens the document when it is not the current one', async () => {
    const panel = await notebookPanel('other.ipynb');
    const docManager = {
      findWidget: () => undefined,
      openOrReveal: jest.fn(() => panel)
    } as unknown as IDocumentManager;
    const view = new LabFollowView(docManager, { currentWidget: null });

    expect(
      await view.show({
        kind: 'notebook',
        path: 'other.ipynb',
        cellId: panel.content.widgets[1].model.id
      })
    ).toBe('shown');
    expect(docManager.openOrReveal).toHaveBeenCalledWith('other.ipynb');
    expect(panel.content.activeCellIndex).toBe(1);
    panel.dispose();
  });

  it('says when the document cannot be opened', async () => {
    const warning = jest.spyOn(Notification, 'warning').mockReturnValue('id');
    const docManager = {
      findWidget: () => undefined,
      openOrReveal: () => undefined
    } as unknown as IDocumentManager;
    const view = new LabFollowView(docManager, { currentWidget: null });

    expect(
      await view.show({ kind: 'document', path: 'gone.py', cellId: null })
    ).toBe('failed');
    expect(warning).toHaveBeenCalledWith(
      'Could not open gone.py to follow there.',
      expect.anything()
    );
    warning.mockRestore();
  });
});
