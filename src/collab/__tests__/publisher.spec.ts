import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

import { PRESENCE_FIELD } from '../../api/collab';
import { PresenceModel } from '../presence/model';
import { ICurrentNotebook, PresencePublisher } from '../presence/publisher';
import { readLocation } from '../presence/state';
import { linkAwareness, tab } from './room';

describe('PresencePublisher', () => {
  let mine: Awareness;
  let theirs: Awareness;
  let nbMine: Awareness;
  let nbTheirs: Awareness;
  let unlink: () => void;
  let current: ICurrentNotebook | null;
  let clock: number;
  let publisher: PresencePublisher;

  beforeEach(() => {
    jest.useFakeTimers();
    mine = tab('alice', 'Alice');
    theirs = tab('bob', 'Bob');
    nbMine = new Awareness(new Y.Doc());
    nbTheirs = new Awareness(new Y.Doc());
    nbMine.setLocalStateField('user', { username: 'alice' });
    unlink = linkAwareness(mine, theirs);
    const unlinkNotebook = linkAwareness(nbMine, nbTheirs);
    const unlinkGlobal = unlink;
    unlink = () => {
      unlinkGlobal();
      unlinkNotebook();
    };
    current = null;
    clock = 1000;
    publisher = new PresencePublisher({
      awareness: mine,
      read: () => current,
      now: () => clock
    });
  });

  afterEach(() => {
    publisher.dispose();
    unlink();
    for (const awareness of [mine, theirs, nbMine, nbTheirs]) {
      awareness.destroy();
    }
    jest.useRealTimers();
  });

  /** What Bob sees of us in a room. */
  function seenBy(awareness: Awareness, of: Awareness) {
    return readLocation(
      awareness.getStates().get(of.clientID)?.[PRESENCE_FIELD]
    );
  }

  function at(cellIndex: number, mode: 'command' | 'edit' = 'command') {
    current = {
      path: 'train.ipynb',
      awareness: nbMine,
      cellId: `cell-${cellIndex}`,
      cellIndex,
      mode
    };
  }

  it('publishes the same location in the global and the notebook awareness', () => {
    at(3, 'edit');
    publisher.schedule();

    const expected = {
      path: 'train.ipynb',
      cellId: 'cell-3',
      cellIndex: 3,
      mode: 'edit',
      at: 1000
    };
    expect(seenBy(theirs, mine)).toEqual(expected);
    expect(seenBy(nbTheirs, nbMine)).toEqual(expected);
    // Others merge the two: Bob's presence model sees Alice on the cell.
    const model = new PresenceModel(theirs);
    expect(model.person('alice')?.location).toMatchObject({
      path: 'train.ipynb',
      cellId: 'cell-3',
      mode: 'edit'
    });
    model.dispose();
  });

  it('sends nothing when nothing changed, and a fresh time when touched', () => {
    at(1);
    publisher.schedule();
    let updates = 0;
    theirs.on('change', () => (updates += 1));

    clock += 5000;
    publisher.schedule();
    jest.runOnlyPendingTimers();
    expect(updates).toBe(0);

    // The tab got the focus back: its location is now the newest.
    publisher.schedule({ touch: true });
    expect(updates).toBe(1);
    expect(seenBy(theirs, mine)?.at).toBe(6000);
  });

  it('publishes the first and the last of quick moves, not each one', () => {
    const seen: (string | null | undefined)[] = [];
    theirs.on('change', () => seen.push(seenBy(theirs, mine)?.cellId));

    for (const index of [0, 1, 2, 3, 4]) {
      at(index);
      publisher.schedule();
      clock += 20;
    }
    expect(seen).toEqual(['cell-0']);

    clock += 250;
    jest.runOnlyPendingTimers();
    expect(seen).toEqual(['cell-0', 'cell-4']);
  });

  it('clears the location in a notebook we left', () => {
    at(2);
    publisher.schedule();
    expect(seenBy(nbTheirs, nbMine)?.cellId).toBe('cell-2');

    // A terminal in front: no notebook.
    current = null;
    clock += 1000;
    publisher.schedule();

    expect(nbTheirs.getStates().get(nbMine.clientID)?.[PRESENCE_FIELD]).toBe(
      null
    );
    expect(seenBy(theirs, mine)).toEqual({
      path: null,
      cellId: null,
      cellIndex: null,
      mode: 'command',
      at: 2000
    });
  });

  it('withdraws what it published when disposed', () => {
    at(2);
    publisher.schedule();
    publisher.dispose();
    expect(theirs.getStates().get(mine.clientID)?.[PRESENCE_FIELD]).toBe(null);
    expect(nbTheirs.getStates().get(nbMine.clientID)?.[PRESENCE_FIELD]).toBe(
      null
    );
  });
});
