import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { act } from 'react';
import { Awareness } from 'y-protocols/awareness';

import {
  CollabClient,
  IActivityItem,
  ICollabStatus,
  PRESENCE_FIELD
} from '../../api/collab';
import { EventsConnection } from '../../api/tracking';
import { FakeServer, FakeWebSocket } from '../../__tests__/fakeServer';
// Sets up React's act() environment.
import '../../__tests__/render';
import { ActivityModel } from '../activity/model';
import { ActivityLink } from '../activity/wording';
import {
  COLLAB_SIDEBAR_ID,
  CollabSidebar,
  ICollabActions
} from '../panel/CollabSidebar';
import { safeImageUrl } from '../avatar';
import { CollabStatusModel } from '../panel/statusModel';
import { FollowController, IFollowTarget } from '../presence/follow';
import { PresenceModel } from '../presence/model';
import { IPerson } from '../presence/people';
import { linkAwareness, tab } from './room';

const trans = nullTranslator.load('jupyterlab_mlplatform');

const ON: ICollabStatus = { enabled: true, reason: null, message: '' };
const OFF: ICollabStatus = {
  enabled: false,
  reason: 'disabled',
  message:
    'The server runs with --YDocExtension.disable_rtc=True: start it without that option to co-edit notebooks.'
};

const RUN_ITEM: IActivityItem = {
  id: 2,
  time: Date.now() - 5 * 60_000,
  kind: 'execution',
  user: {
    username: 'bob',
    name: 'Bob',
    display_name: 'Bob Builder',
    initials: 'BB',
    color: null,
    avatar_url: null
  },
  notebook_path: 'churn.ipynb',
  cell_id: 'c7',
  cell_index: 6,
  execution_count: 12,
  status: 'error',
  runs: [
    {
      run_id: 'r1',
      name: 'brave-owl-3',
      experiment_id: '1',
      status: 'FAILED',
      metrics: { val_acc: 0.91 }
    }
  ],
  deployment: null
};

const DEPLOY_ITEM: IActivityItem = {
  id: 1,
  time: Date.now() - 2 * 3600_000,
  kind: 'deployment',
  user: RUN_ITEM.user,
  runs: [],
  deployment: { name: 'churn', action: 'version_added', version: 2 }
};

function button(root: HTMLElement, name: string): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find(
    b => b.getAttribute('aria-label') === name || b.textContent === name
  );
  if (!found) {
    throw new Error(`No button ${name}`);
  }
  return found;
}

/** Let the widget and React render what changed. */
async function settle(): Promise<void> {
  await act(async () => {
    await new Promise(resolve => setTimeout(resolve, 0));
  });
}

async function until(condition: () => boolean): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > 2000) {
      throw new Error('Timed out waiting for a condition');
    }
    await settle();
  }
}

describe('CollabSidebar', () => {
  let status: ICollabStatus | null;
  let server: FakeServer;
  let me: Awareness;
  let bob: Awareness;
  let unlink: () => void;
  let presence: PresenceModel;
  let follow: FollowController | null;
  let shown: IFollowTarget[];
  let opened: IPerson[];
  let links: ActivityLink[];
  let sidebar: CollabSidebar;
  let events: EventsConnection;

  beforeEach(() => {
    FakeWebSocket.instances = [];
    status = ON;
    server = new FakeServer()
      .on('GET', 'collaboration', () =>
        status
          ? { body: status }
          : { status: 500, body: { message: 'server unreachable' } }
      )
      .on('GET', 'activity', {
        body: { items: [RUN_ITEM, DEPLOY_ITEM], next_before: null }
      });
    me = tab('alice', 'Alice Liddell');
    bob = tab('bob', 'Bob Builder');
    unlink = linkAwareness(me, bob);
    bob.setLocalStateField(PRESENCE_FIELD, {
      path: 'nb/churn.ipynb',
      cellId: 'c7',
      cellIndex: 6,
      mode: 'edit',
      at: 5
    });
    shown = [];
    opened = [];
    links = [];
    jest.spyOn(Notification, 'error').mockReturnValue('id');
  });

  afterEach(async () => {
    await act(async () => {
      if (sidebar.isAttached) {
        Widget.detach(sidebar);
      }
      sidebar.dispose();
    });
    events.dispose();
    follow?.dispose();
    presence.dispose();
    unlink();
    me.destroy();
    bob.destroy();
    jest.restoreAllMocks();
  });

  async function open(options: { awareness?: boolean } = {}): Promise<void> {
    const serverSettings = server.settings({
      WebSocket: FakeWebSocket as unknown as typeof WebSocket
    });
    const client = new CollabClient({ serverSettings });
    events = new EventsConnection({ serverSettings });
    presence = new PresenceModel(options.awareness === false ? null : me);
    follow =
      options.awareness === false
        ? null
        : new FollowController({
            people: presence,
            view: {
              show: async target => {
                shown.push(target);
                return 'shown' as const;
              }
            }
          });
    const actions: ICollabActions = {
      openPerson: person => opened.push(person),
      openLink: link => links.push(link)
    };
    sidebar = new CollabSidebar({
      presence,
      follow,
      activity: new ActivityModel({
        client,
        events,
        trans
      }),
      status: new CollabStatusModel({ client, trans }),
      actions,
      trans
    });
    await act(async () => Widget.attach(sidebar, document.body));
    await until(() => sidebar.activity.loaded && !sidebar.status.loading);
  }

  const text = () => sidebar.node.textContent ?? '';
  const people = () =>
    [...sidebar.node.querySelectorAll('.jp-mlp-Person')].map(row =>
      row.querySelector('.jp-mlp-Person-name')!.textContent!.trim()
    );

  it('is a left-sidebar panel titled Collaboration', async () => {
    await open();
    expect(sidebar.id).toBe(COLLAB_SIDEBAR_ID);
    expect(sidebar.title.caption).toBe('Collaboration');
  });

  it('lists us first, then the others with where they are', async () => {
    await open();
    expect(people()).toEqual(['Alice Liddell (you)', 'Bob Builder']);
    const bobRow = sidebar.node.querySelectorAll('.jp-mlp-Person')[1];
    expect(bobRow.querySelector('.jp-mlp-Person-where')!.textContent).toBe(
      'churn.ipynb · cell 7 · editing'
    );
    // No Follow button for ourselves.
    expect(sidebar.node.querySelectorAll('.jp-mlp-Person-follow')).toHaveLength(
      1
    );

    await act(async () =>
      button(
        sidebar.node,
        'Go to Bob Builder: churn.ipynb · cell 7 · editing'
      ).click()
    );
    expect(opened.map(p => p.username)).toEqual(['bob']);
  });

  it('shows people arriving, moving and leaving', async () => {
    await open();
    const carol = tab('carol', 'Carol');
    const unlinkCarol = linkAwareness(me, carol);
    await settle();
    expect(people()).toEqual(['Alice Liddell (you)', 'Bob Builder', 'Carol']);

    bob.setLocalStateField(PRESENCE_FIELD, {
      path: 'eda.ipynb',
      cellId: 'x',
      cellIndex: 0,
      mode: 'command',
      at: 9
    });
    await settle();
    expect(text()).toContain('eda.ipynb · cell 1');

    carol.setLocalState(null);
    await settle();
    expect(people()).toEqual(['Alice Liddell (you)', 'Bob Builder']);
    unlinkCarol();
    carol.destroy();
  });

  it('follows someone, shows it, and stops on request', async () => {
    await open();
    const followButton = button(sidebar.node, 'Follow Bob Builder');
    expect(followButton.getAttribute('aria-pressed')).toBe('false');

    await act(async () => followButton.click());

    expect(follow!.following?.username).toBe('bob');
    expect(shown).toEqual([
      { kind: 'notebook', path: 'nb/churn.ipynb', cellId: 'c7' }
    ]);
    const banner = sidebar.node.querySelector('.jp-mlp-FollowBanner')!;
    expect(banner.textContent).toContain('Following Bob Builder');
    expect(followButton.getAttribute('aria-pressed')).toBe('true');
    expect(followButton.textContent).toBe('Following');
    expect(sidebar.node.querySelector('[role="status"]')!.textContent).toBe(
      'Following Bob Builder'
    );

    await act(async () => button(banner as HTMLElement, 'Stop').click());
    expect(follow!.following).toBeNull();
    expect(sidebar.node.querySelector('.jp-mlp-FollowBanner')).toBeNull();
    expect(followButton.getAttribute('aria-pressed')).toBe('false');
    expect(sidebar.node.querySelector('[role="status"]')!.textContent).toBe('');
  });

  it('shows the activity with its links, status and times', async () => {
    await open();
    const rows = [...sidebar.node.querySelectorAll('.jp-mlp-ActivityItem')];
    expect(
      rows.map(
        row => row.querySelector('.jp-mlp-ActivityItem-text')!.textContent
      )
    ).toEqual([
      'Bob Builder ran cell 7 of churn.ipynb, which failed → run brave-owl-3 (val_acc 0.91)',
      'Bob Builder deployed churn v2'
    ]);
    const first = rows[0] as HTMLElement;
    expect(first.classList.contains('jp-mod-error')).toBe(true);
    expect(first.querySelector('.jp-mlp-ExecutionBadge')!.textContent).toBe(
      'error'
    );
    expect(first.querySelector('time')!.textContent).toBe('5 min ago');
    expect(first.textContent).toContain('[12]');

    await act(async () => {
      button(first, 'cell 7 of churn.ipynb').click();
      button(first, 'run brave-owl-3').click();
      button(rows[1] as HTMLElement, 'churn').click();
    });
    expect(links).toEqual([
      { kind: 'cell', path: 'churn.ipynb', cellId: 'c7' },
      { kind: 'run', runId: 'r1' },
      { kind: 'deployment', name: 'churn' }
    ]);
  });

  it('says whether new activity arrives live', async () => {
    await open();
    const badge = () =>
      sidebar.node.querySelector('.jp-mlp-CollabSidebar-live')!.textContent;
    expect(badge()).toBe('connecting…');
    await act(async () => FakeWebSocket.last.open());
    expect(badge()).toBe('live');
    await act(async () => FakeWebSocket.last.drop());
    expect(badge()).toBe('reconnecting…');
  });

  it('says co-editing is off and why, and still shows the activity', async () => {
    status = OFF;
    await open();
    expect(text()).toContain('Co-editing is off.');
    expect(text()).toContain('--YDocExtension.disable_rtc=True');
    expect(sidebar.node.querySelector('.jp-mlp-PeopleList')).toBeNull();
    expect(sidebar.node.querySelectorAll('.jp-mlp-ActivityItem')).toHaveLength(
      2
    );
  });

  it('works without the collaboration extension in the lab', async () => {
    await open({ awareness: false });
    expect(text()).toContain('has not loaded the collaboration extension');
    expect(sidebar.node.querySelector('.jp-mlp-PeopleList')).toBeNull();
    expect(sidebar.node.querySelectorAll('.jp-mlp-ActivityItem')).toHaveLength(
      2
    );
  });

  it('shows and reports a status it could not read', async () => {
    status = null;
    await open();
    const alert = sidebar.node.querySelector('[role="alert"]')!;
    expect(alert.textContent).toBe(
      'Could not check whether co-editing is on: server unreachable'
    );
    expect(Notification.error).toHaveBeenCalledWith(
      'Could not check whether co-editing is on: server unreachable',
      expect.anything()
    );
    // Presence still works: the awareness is there.
    expect(people()).toEqual(['Alice Liddell (you)', 'Bob Builder']);
  });

  it('says when nobody else is here', async () => {
    bob.setLocalState(null);
    await open();
    expect(people()).toEqual(['Alice Liddell (you)']);
    expect(text()).toContain('Nobody else is here.');
  });
});

describe('safeImageUrl', () => {
  it('keeps http(s) and raster data images only', () => {
    expect(safeImageUrl('https://example.com/a.png')).toBe(
      'https://example.com/a.png'
    );
    expect(safeImageUrl('data:image/png;base64,AAAA')).toBe(
      'data:image/png;base64,AAAA'
    );
    expect(safeImageUrl('javascript:alert(1)')).toBeNull();
    expect(safeImageUrl('data:image/svg+xml;base64,AAAA')).toBeNull();
    expect(safeImageUrl(null)).toBeNull();
  });
});
