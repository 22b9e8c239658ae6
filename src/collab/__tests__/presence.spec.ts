import { YNotebook } from '@jupyter/ydoc';
import { IDisposable } from '@lumino/disposable';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

import { IPresenceLocation, PRESENCE_FIELD } from '../../api/collab';
import { resolveCursor } from '../presence/cursor';
import { PresenceModel, yNotebookSource } from '../presence/model';
import { mergePeople } from '../presence/people';
import { readLocation, readTabs, readUser } from '../presence/state';
import {
  closeTab,
  cursorAt,
  identity,
  linkAwareness,
  linkDocs,
  notebook,
  tab
} from './room';

function location(
  path: string | null,
  cellId: string | null,
  at: number,
  extra: Partial<IPresenceLocation> = {}
): IPresenceLocation {
  return { path, cellId, cellIndex: 0, mode: 'command', at, ...extra };
}

describe('awareness states', () => {
  it('reads the identity, defaulting the names to the username', () => {
    expect(readUser({ username: 'alice' })).toEqual({
      username: 'alice',
      name: 'alice',
      display_name: 'alice',
      initials: null,
      color: null,
      avatar_url: null
    });
    expect(readUser({ name: 'no username' })).toBeNull();
    expect(readUser('alice')).toBeNull();
  });

  it('rejects malformed published locations', () => {
    const good = location('a.ipynb', 'c1', 5);
    expect(readLocation(good)).toEqual(good);
    expect(readLocation({ ...good, mode: 'insert' })).toBeNull();
    expect(readLocation({ ...good, at: 'soon' })).toBeNull();
    expect(readLocation({ ...good, cellIndex: -1 })).toBeNull();
    expect(readLocation({ ...good, path: 3 })).toBeNull();
    expect(readLocation(null)).toBeNull();
  });

  it('skips states without a user (tabs still starting)', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { user: identity('alice', 'Alice') }],
      [2, { current: 'notebook:a.ipynb' }]
    ]);
    expect(readTabs(states).map(t => t.clientId)).toEqual([1]);
  });
});

describe('mergePeople', () => {
  const tabOf = (
    clientId: number,
    username: string,
    at: number | null,
    path = 'a.ipynb'
  ) => ({
    clientId,
    user: readUser(identity(username, username.toUpperCase()))!,
    location: at === null ? null : location(path, `cell-${clientId}`, at),
    current: null,
    cursors: []
  });

  it('makes one person of several tabs, at their most recent location', () => {
    const people = mergePeople(
      [
        tabOf(1, 'bob', 100, 'old.ipynb'),
        tabOf(2, 'bob', 300, 'new.ipynb'),
        tabOf(3, 'bob', 200, 'middle.ipynb')
      ],
      99
    );
    expect(people).toHaveLength(1);
    expect(people[0].clientIds).toEqual([1, 2, 3]);
    expect(people[0].location?.path).toBe('new.ipynb');
    expect(people[0].location?.cellId).toBe('cell-2');
  });

  it('puts ourselves first, then the others by name', () => {
    const people = mergePeople(
      [tabOf(1, 'zoe', 1), tabOf(2, 'carol', 1), tabOf(3, 'mallory', 1)],
      3
    );
    expect(people.map(p => [p.username, p.isSelf])).toEqual([
      ['mallory', true],
      ['carol', false],
      ['zoe', false]
    ]);
  });

  it('prefers a tab that publishes a location over one that does not', () => {
    const people = mergePeople(
      [
        { ...tabOf(1, 'bob', null), current: 'notebook:other.ipynb' },
        tabOf(2, 'bob', 0, 'published.ipynb')
      ],
      99
    );
    expect(people[0].location?.path).toBe('published.ipynb');
  });

  it("uses the upstream `current` of tabs that publish nothing, and a document's path", () => {
    const [person] = mergePeople(
      [{ ...tabOf(1, 'bob', null), current: 'editor:src/train.py' }],
      99
    );
    expect(person.location).toEqual({
      kind: 'document',
      path: 'src/train.py',
      cellId: null,
      cellIndex: null,
      mode: null,
      line: null,
      at: null
    });
  });

  it('trusts the published field over a notebook `current` it has left', () => {
    const [person] = mergePeople(
      [
        {
          ...tabOf(1, 'bob', null),
          location: location(null, null, 5),
          current: 'notebook:left.ipynb'
        }
      ],
      99
    );
    expect(person.location).toBeNull();
  });
});

describe('resolveCursor', () => {
  it('finds the cell and line of a cursor made in another copy of the notebook', () => {
    const mine = notebook(['a = 1', 'b = 2\nc = 3\nd = 4', 'e = 5']);
    const theirs = new YNotebook();
    const unlink = linkDocs(mine.ydoc, theirs.ydoc);
    // They put their cursor at the start of line 3 of the second cell.
    const [cursor] = cursorAt(theirs.cells[1].ysource, 12) as {
      head: Y.RelativePosition;
    }[];
    // It reaches us as JSON, as awareness states do.
    const json = JSON.parse(JSON.stringify(cursor));

    expect(
      resolveCursor(
        { anchor: json.anchor, head: json.head, primary: true },
        mine.ydoc,
        mine.cells
      )
    ).toEqual({ cellId: mine.cells[1].id, cellIndex: 1, line: 2 });

    // A cell inserted above moves the cell, and the cursor with it.
    mine.insertCell(0, { cell_type: 'markdown', source: '# Title' });
    expect(
      resolveCursor(
        { anchor: json.anchor, head: json.head, primary: true },
        mine.ydoc,
        mine.cells
      )?.cellIndex
    ).toBe(2);
    unlink();
    mine.dispose();
    theirs.dispose();
  });

  it('gives null for a position in another document or a malformed one', () => {
    const mine = notebook(['a = 1']);
    const other = notebook(['x = 1']);
    const [cursor] = cursorAt(other.cells[0].ysource, 0) as {
      head: unknown;
    }[];
    expect(
      resolveCursor(
        { anchor: null, head: cursor.head, primary: true },
        mine.ydoc,
        mine.cells
      )
    ).toBeNull();
    expect(
      resolveCursor(
        { anchor: null, head: { type: 'nonsense' }, primary: true },
        mine.ydoc,
        mine.cells
      )
    ).toBeNull();
    mine.dispose();
    other.dispose();
  });
});

describe('PresenceModel', () => {
  let me: Awareness;
  let bob: Awareness;
  let bobSecondTab: Awareness;
  let unlink: () => void;
  let model: PresenceModel;

  beforeEach(() => {
    me = tab('alice', 'Alice Liddell');
    bob = tab('bob', 'Bob Builder');
    bobSecondTab = tab('bob', 'Bob Builder');
    unlink = linkAwareness(me, bob, bobSecondTab);
    model = new PresenceModel(me);
  });

  afterEach(() => {
    model.dispose();
    unlink();
    for (const awareness of [me, bob, bobSecondTab]) {
      awareness.destroy();
      awareness.doc.destroy();
    }
  });

  it('lists everyone once, ourselves first and marked', () => {
    expect(model.available).toBe(true);
    expect(model.people.map(p => [p.user.display_name, p.isSelf])).toEqual([
      ['Alice Liddell', true],
      ['Bob Builder', false]
    ]);
    expect(model.person('bob')?.clientIds).toHaveLength(2);
    expect(model.self?.username).toBe('alice');
  });

  it("follows a person's most recently used tab", () => {
    const changes: number[] = [];
    model.changed.connect(() => changes.push(1));
    bob.setLocalStateField(PRESENCE_FIELD, location('one.ipynb', 'c1', 10));
    bobSecondTab.setLocalStateField(
      PRESENCE_FIELD,
      location('two.ipynb', 'c2', 20)
    );
    expect(model.person('bob')?.location?.path).toBe('two.ipynb');

    bob.setLocalStateField(PRESENCE_FIELD, location('one.ipynb', 'c3', 30));
    expect(model.person('bob')?.location).toMatchObject({
      path: 'one.ipynb',
      cellId: 'c3'
    });
    expect(changes.length).toBe(3);
  });

  it('drops a person when their last tab closes', () => {
    closeTab(bob);
    expect(model.person('bob')?.clientIds).toEqual([bobSecondTab.clientID]);
    closeTab(bobSecondTab);
    expect(model.person('bob')).toBeNull();
    expect(model.people.map(p => p.username)).toEqual(['alice']);
  });

  describe('in a notebook we have open', () => {
    let mine: YNotebook;
    let theirs: YNotebook;
    let unlinkDocs: () => void;
    let unlinkNotebookAwareness: () => void;
    let source: IDisposable;

    beforeEach(() => {
      mine = notebook(['import pandas', 'df = load()\ndf.head()', 'fit(df)']);
      theirs = new YNotebook();
      unlinkDocs = linkDocs(mine.ydoc, theirs.ydoc);
      theirs.awareness.setLocalStateField('user', identity('bob', 'Bob'));
      unlinkNotebookAwareness = linkAwareness(mine.awareness, theirs.awareness);
      source = model.addNotebook(yNotebookSource(mine, () => 'train.ipynb'));
    });

    afterEach(() => {
      unlinkDocs();
      unlinkNotebookAwareness();
      mine.dispose();
      theirs.dispose();
    });

    /** Bob publishes the same location in both rooms, as the publisher does. */
    function bobIsAt(loc: IPresenceLocation): void {
      theirs.awareness.setLocalStateField(PRESENCE_FIELD, loc);
      bob.setLocalStateField(PRESENCE_FIELD, loc);
    }

    it('takes the line of their cursor in edit mode', () => {
      const cell = theirs.cells[1];
      theirs.awareness.setLocalStateField(
        'cursors',
        cursorAt(cell.ysource, 15)
      );
      bobIsAt(
        location('train.ipynb', cell.id, 40, { cellIndex: 1, mode: 'edit' })
      );

      expect(model.person('bob')?.location).toEqual({
        kind: 'notebook',
        path: 'train.ipynb',
        cellId: cell.id,
        cellIndex: 1,
        mode: 'edit',
        line: 1,
        at: 40
      });
    });

    it('ignores a stale cursor left in another cell than the active one', () => {
      theirs.awareness.setLocalStateField(
        'cursors',
        cursorAt(theirs.cells[0].ysource, 3)
      );
      const active = theirs.cells[2];
      bobIsAt(
        location('train.ipynb', active.id, 50, { cellIndex: 2, mode: 'edit' })
      );

      expect(model.person('bob')?.location).toMatchObject({
        cellId: active.id,
        cellIndex: 2,
        line: null
      });
    });

    it('finds the cell from the cursor of a tab that publishes no location', () => {
      bob.setLocalStateField('current', 'notebook:train.ipynb');
      theirs.awareness.setLocalStateField(
        'cursors',
        cursorAt(theirs.cells[2].ysource, 2)
      );

      expect(model.person('bob')?.location).toMatchObject({
        kind: 'notebook',
        path: 'train.ipynb',
        cellId: theirs.cells[2].id,
        cellIndex: 2,
        mode: null,
        line: 0
      });
    });

    it('numbers their cell as it is in our copy now', () => {
      const cell = theirs.cells[2];
      bobIsAt(location('train.ipynb', cell.id, 60, { cellIndex: 2 }));
      expect(model.person('bob')?.location?.cellIndex).toBe(2);

      // Someone inserts two cells at the top; Bob did not move.
      mine.insertCells(0, [
        { cell_type: 'markdown', source: '# A' },
        { cell_type: 'markdown', source: '# B' }
      ]);
      expect(model.person('bob')?.location?.cellIndex).toBe(4);
    });

    it('does not signal while their cursor moves along the same line', () => {
      const cell = theirs.cells[0];
      bobIsAt(location('train.ipynb', cell.id, 70, { mode: 'edit' }));
      theirs.awareness.setLocalStateField('cursors', cursorAt(cell.ysource, 1));
      let changes = 0;
      model.changed.connect(() => (changes += 1));

      for (const index of [2, 3, 4, 5]) {
        theirs.awareness.setLocalStateField(
          'cursors',
          cursorAt(cell.ysource, index)
        );
      }
      expect(changes).toBe(0);

      // A new line is news.
      cell.ysource.insert(13, '\nimport numpy');
      theirs.awareness.setLocalStateField(
        'cursors',
        cursorAt(cell.ysource, 16)
      );
      expect(changes).toBe(1);
      expect(model.person('bob')?.location?.line).toBe(1);
    });

    it('stops reading a notebook once closed', () => {
      const cell = theirs.cells[1];
      theirs.awareness.setLocalStateField(
        'cursors',
        cursorAt(cell.ysource, 15)
      );
      bobIsAt(
        location('train.ipynb', cell.id, 80, { cellIndex: 7, mode: 'edit' })
      );
      expect(model.person('bob')?.location).toMatchObject({
        cellIndex: 1,
        line: 1
      });

      source.dispose();
      // As Bob published it: we no longer see the notebook.
      expect(model.person('bob')?.location).toMatchObject({
        cellIndex: 7,
        line: null
      });
      theirs.awareness.setLocalStateField('cursors', cursorAt(cell.ysource, 2));
      expect(model.person('bob')?.location?.line).toBeNull();
    });
  });

  it('is empty and unavailable without the global awareness', () => {
    const off = new PresenceModel(null);
    expect(off.available).toBe(false);
    expect(off.people).toEqual([]);
    off.dispose();
  });
});
