import { PromiseDelegate } from '@lumino/coreutils';
import { Awareness } from 'y-protocols/awareness';

import { IPresenceLocation, PRESENCE_FIELD } from '../../api/collab';
import { waitFor } from '../../__tests__/fakeServer';
import {
  FollowController,
  FollowResult,
  IFollowTarget,
  IFollowView
} from '../presence/follow';
import { PresenceModel } from '../presence/model';
import {
  FOLLOWING_CLASS,
  frameWhileFollowing,
  watchUserInput
} from '../panel/lab';
import { closeTab, linkAwareness, tab } from './room';

/**
 * Our view, as following moves it. Like JupyterLab's, showing a document
 * makes it the main area's current one (`currentChanged` during the move).
 */
class RecordingView implements IFollowView {
  shown: IFollowTarget[] = [];
  /** Answer `show` with this. */
  answer: FollowResult = 'shown';
  /** When set, `show` waits for it. */
  gate: PromiseDelegate<void> | null = null;
  controller: FollowController | null = null;

  async show(target: IFollowTarget): Promise<FollowResult> {
    this.shown.push(target);
    this.controller?.currentChanged(target.path);
    if (this.gate) {
      await this.gate.promise;
    }
    return this.answer;
  }
}

function at(
  path: string,
  cellId: string,
  time: number,
  extra: Partial<IPresenceLocation> = {}
): IPresenceLocation {
  return { path, cellId, cellIndex: 0, mode: 'command', at: time, ...extra };
}

describe('FollowController', () => {
  let me: Awareness;
  let bob: Awareness;
  let carol: Awareness;
  let unlink: () => void;
  let presence: PresenceModel;
  let view: RecordingView;
  let follow: FollowController;
  let stops: string[];

  beforeEach(() => {
    me = tab('alice', 'Alice');
    bob = tab('bob', 'Bob');
    carol = tab('carol', 'Carol');
    unlink = linkAwareness(me, bob, carol);
    presence = new PresenceModel(me);
    view = new RecordingView();
    follow = new FollowController({ people: presence, view });
    view.controller = follow;
    stops = [];
    follow.stopped.connect((_, { person, reason }) =>
      stops.push(`${person.username}:${reason}`)
    );
    bob.setLocalStateField(PRESENCE_FIELD, at('churn.ipynb', 'c1', 1));
  });

  afterEach(() => {
    follow.dispose();
    presence.dispose();
    unlink();
    [me, bob, carol].forEach(a => a.destroy());
  });

  const paths = () => view.shown.map(t => `${t.path}#${t.cellId}`);

  it('takes our view to them, then wherever they go', async () => {
    expect(follow.follow('bob')).toBe(true);
    expect(follow.following?.username).toBe('bob');
    await waitFor(() => !follow.moving);
    expect(paths()).toEqual(['churn.ipynb#c1']);

    bob.setLocalStateField(PRESENCE_FIELD, at('churn.ipynb', 'c2', 2));
    await waitFor(() => !follow.moving);
    bob.setLocalStateField(PRESENCE_FIELD, at('eda.ipynb', 'x9', 3));
    await waitFor(() => !follow.moving);

    expect(paths()).toEqual([
      'churn.ipynb#c1',
      'churn.ipynb#c2',
      'eda.ipynb#x9'
    ]);
    // Our own moves (the notebook became current) did not stop it.
    expect(follow.following?.username).toBe('bob');
    expect(stops).toEqual([]);
  });

  it('does not move when they only change mode on the same cell', async () => {
    follow.follow('bob');
    await waitFor(() => !follow.moving);
    bob.setLocalStateField(
      PRESENCE_FIELD,
      at('churn.ipynb', 'c1', 2, { mode: 'edit' })
    );
    await waitFor(() => !follow.moving);
    expect(paths()).toEqual(['churn.ipynb#c1']);
  });

  it('stops on our own input, and moves no more', async () => {
    follow.follow('bob');
    await waitFor(() => !follow.moving);

    follow.userActed();

    expect(follow.following).toBeNull();
    expect(stops).toEqual(['bob:user']);
    bob.setLocalStateField(PRESENCE_FIELD, at('churn.ipynb', 'c5', 9));
    await waitFor(() => !follow.moving);
    expect(paths()).toEqual(['churn.ipynb#c1']);
  });

  it('stops when we switch to another document ourselves', async () => {
    follow.follow('bob');
    await waitFor(() => !follow.moving);

    follow.currentChanged('churn.ipynb'); // still where Bob is
    expect(follow.following?.username).toBe('bob');
    follow.currentChanged('notes.md');
    expect(stops).toEqual(['bob:user']);
  });

  it('keeps following while its own move switches documents', async () => {
    follow.follow('bob');
    await waitFor(() => !follow.moving);
    view.gate = new PromiseDelegate<void>();
    bob.setLocalStateField(PRESENCE_FIELD, at('eda.ipynb', 'x1', 2));
    // While the notebook opens, the shell still reports the one we leave.
    follow.currentChanged('churn.ipynb');
    expect(follow.following?.username).toBe('bob');
    view.gate.resolve();
    await waitFor(() => !follow.moving);
    follow.currentChanged('eda.ipynb');
    expect(follow.following?.username).toBe('bob');
  });

  it('goes to the latest place when they move during a move', async () => {
    view.gate = new PromiseDelegate<void>();
    follow.follow('bob');
    bob.setLocalStateField(PRESENCE_FIELD, at('churn.ipynb', 'c2', 2));
    bob.setLocalStateField(PRESENCE_FIELD, at('churn.ipynb', 'c3', 3));
    bob.setLocalStateField(PRESENCE_FIELD, at('churn.ipynb', 'c4', 4));
    view.gate.resolve();
    await waitFor(() => !follow.moving);
    expect(paths()).toEqual(['churn.ipynb#c1', 'churn.ipynb#c4']);
  });

  it('tries a cell again when it was not there yet', async () => {
    view.answer = 'missing';
    follow.follow('bob');
    await waitFor(() => !follow.moving);
    view.answer = 'shown';
    // Anything about Bob changing (here his name) retries the move.
    bob.setLocalStateField('user', {
      username: 'bob',
      name: 'Bob',
      display_name: 'Bob B.'
    });
    await waitFor(() => !follow.moving);
    expect(paths()).toEqual(['churn.ipynb#c1', 'churn.ipynb#c1']);
  });

  it('does not retry a document that could not be opened until they move', async () => {
    view.answer = 'failed';
    follow.follow('bob');
    await waitFor(() => !follow.moving);
    bob.setLocalStateField('user', {
      username: 'bob',
      name: 'Bob',
      display_name: 'Bob B.'
    });
    await waitFor(() => !follow.moving);
    expect(paths()).toEqual(['churn.ipynb#c1']);

    bob.setLocalStateField(PRESENCE_FIELD, at('eda.ipynb', 'x', 2));
    await waitFor(() => !follow.moving);
    expect(paths()).toEqual(['churn.ipynb#c1', 'eda.ipynb#x']);
  });

  it('stops when they leave', async () => {
    follow.follow('bob');
    await waitFor(() => !follow.moving);
    closeTab(bob);
    expect(follow.following).toBeNull();
    expect(stops).toEqual(['bob:left']);
  });

  it('follows one person at a time, never ourselves', () => {
    carol.setLocalStateField(PRESENCE_FIELD, at('b.ipynb', 'c', 1));
    expect(follow.follow('alice')).toBe(false);
    expect(follow.follow('nobody')).toBe(false);
    follow.follow('bob');
    follow.follow('carol');
    expect(follow.following?.username).toBe('carol');
    expect(stops).toEqual(['bob:command']);
  });

  it('stays put while they are not in a document', async () => {
    bob.setLocalStateField(PRESENCE_FIELD, {
      path: null,
      cellId: null,
      cellIndex: null,
      mode: 'command',
      at: 5
    });
    follow.follow('bob');
    await waitFor(() => !follow.moving);
    expect(view.shown).toEqual([]);
    expect(follow.following?.username).toBe('bob');
  });
});

describe('watchUserInput', () => {
  it('reports pointer, key and wheel input in the main area only', () => {
    const main = document.createElement('div');
    const cell = document.createElement('div');
    const sidebar = document.createElement('button');
    main.appendChild(cell);
    document.body.append(main, sidebar);
    const seen: string[] = [];
    const watcher = watchUserInput(
      target => main.contains(target),
      () => seen.push('acted')
    );

    sidebar.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    sidebar.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true }));
    expect(seen).toEqual([]);

    cell.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    cell.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true }));
    cell.dispatchEvent(new WheelEvent('wheel', { bubbles: true }));
    // Scrolling and focus moves made by following are not input.
    cell.dispatchEvent(new Event('scroll', { bubbles: true }));
    cell.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    expect(seen).toEqual(['acted', 'acted', 'acted']);

    watcher.dispose();
    cell.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    expect(seen).toHaveLength(3);
    main.remove();
    sidebar.remove();
  });
});

describe('frameWhileFollowing', () => {
  it('frames the main area in their colour with their name while following', async () => {
    const me = tab('alice', 'Alice');
    const bob = tab('bob', 'Bob');
    const unlink = linkAwareness(me, bob);
    bob.setLocalStateField(PRESENCE_FIELD, at('a.ipynb', 'c', 1));
    const presence = new PresenceModel(me);
    const follow = new FollowController({
      people: presence,
      view: { show: async () => 'shown' as const }
    });
    const main = document.createElement('div');
    const frame = frameWhileFollowing(
      follow,
      () => main,
      name => `Following ${name}`
    );

    follow.follow('bob');
    expect(main.classList.contains(FOLLOWING_CLASS)).toBe(true);
    expect(main.dataset.mlpFollowing).toBe('Following Bob');
    expect(main.style.getPropertyValue('--jp-mlp-follow-color')).toBe(
      'var(--jp-collaborator-color1)'
    );

    follow.stop();
    expect(main.classList.contains(FOLLOWING_CLASS)).toBe(false);
    expect(main.dataset.mlpFollowing).toBeUndefined();

    frame.dispose();
    await waitFor(() => !follow.moving);
    follow.dispose();
    presence.dispose();
    unlink();
    me.destroy();
    bob.destroy();
  });
});
