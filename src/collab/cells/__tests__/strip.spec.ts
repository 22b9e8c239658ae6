/*
 * The execution strip on its own: avatar, badges, keyboard, and what the
 * run badges say for each state of a run.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { IRun } from '../../../api/tracking';
import { makeRun } from '../../../__tests__/fakeServer';
import { initialsColor } from '../../avatar';
import { ExecutionStrip, IStripContext } from '../ExecutionStrip';
import { describeRunBadge } from '../runBadge';
import type { IRunCache, IRunEntry } from '../runCache';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../settings';
import { SharedClock } from '../../time';
import { ALICE, record, T0 } from './records';

const trans = nullTranslator.load('jupyterlab_mlplatform');

function run(extra: Record<string, unknown> = {}): IRun {
  return makeRun('r1', '1', 'brave-owl-3', extra) as unknown as IRun;
}

/** A run cache that knows the runs it is given, and records what is asked. */
class StaticRuns implements IRunCache {
  constructor(readonly entries: Record<string, IRunEntry>) {}
  asked: string[] = [];
  peek(runId: string) {
    return this.entries[runId] ?? null;
  }
  get(runId: string) {
    this.asked.push(runId);
    return (
      this.entries[runId] ?? { runId, state: 'loading', run: null, error: null }
    );
  }
  watch(runId: string) {
    this.asked.push(runId);
    return { isDisposed: false, dispose: () => undefined };
  }
  async refresh(runId: string) {
    return this.get(runId);
  }
}

describe('ExecutionStrip', () => {
  let clock: SharedClock;
  let opened: string[];
  let strip: ExecutionStrip;

  function create(runs: IRunCache): ExecutionStrip {
    const context: IStripContext = {
      trans,
      clock,
      runs,
      colors: null,
      settings: DEFAULT_ATTRIBUTION_SETTINGS,
      openRun: runId => opened.push(runId)
    };
    strip = new ExecutionStrip({ context, revealCell: () => undefined });
    Widget.attach(strip, document.body);
    return strip;
  }

  beforeEach(() => {
    clock = new SharedClock({ now: () => T0 });
    opened = [];
  });

  afterEach(() => {
    strip.dispose();
    clock.dispose();
  });

  it('is hidden until it has something to show', () => {
    create(new StaticRuns({}));
    expect(strip.isHidden).toBe(true);

    strip.setRecord(record());
    expect(strip.isHidden).toBe(false);
  });

  it("shows the person's picture, and the initials when it does not load", () => {
    create(new StaticRuns({}));
    strip.setRecord(
      record({ user: { ...ALICE, avatar_url: 'https://example.com/a.png' } })
    );
    const avatar = strip.node.querySelector('.jp-mlp-Avatar') as HTMLElement;
    const image = avatar.querySelector('img')!;
    expect(image.getAttribute('src')).toBe('https://example.com/a.png');
    expect(avatar.textContent).toBe('');

    image.dispatchEvent(new Event('error'));

    expect(avatar.querySelector('img')).toBeNull();
    expect(avatar.textContent).toBe('AS');
    // The same person again does not reload the picture.
    strip.setRecord(
      record({
        user: { ...ALICE, avatar_url: 'https://example.com/a.png' },
        started: T0 + 1
      })
    );
    expect(avatar.textContent).toBe('AS');
  });

  it('keeps Enter on its buttons from the notebook shortcuts, and opens the run', () => {
    create(
      new StaticRuns({
        r1: { runId: 'r1', state: 'ready', run: run(), error: null }
      })
    );
    strip.setRecord(record({ runs: ['r1'] }));
    const keys: string[] = [];
    const listener = (event: KeyboardEvent) => keys.push(event.key);
    document.body.addEventListener('keydown', listener);
    const badge = strip.node.querySelector(
      '.jp-mlp-RunBadge'
    ) as HTMLButtonElement;

    badge.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
    );
    badge.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true })
    );
    badge.click();

    expect(keys).toEqual(['ArrowDown']);
    expect(opened).toEqual(['r1']);
    document.body.removeEventListener('keydown', listener);
  });

  it('watches no runs while out of view', () => {
    const runs = new StaticRuns({});
    create(runs);
    strip.setVisible(false);
    runs.asked = [];

    strip.setRecord(record({ runs: ['r1', 'r2'] }));
    expect(runs.asked).toEqual([]);

    strip.setVisible(true);
    expect(runs.asked.sort()).toEqual(['r1', 'r1', 'r2', 'r2']);
  });
});

describe('initialsColor', () => {
  it('writes initials in white on dark colours and black on light ones', () => {
    expect(initialsColor('#7b1fa2')).toBe('#fff');
    expect(initialsColor('#ffad8e')).toBe('#000');
    expect(initialsColor('#FFF')).toBe('#000');
    // Palette colours follow the theme.
    expect(initialsColor('var(--jp-collaborator-color1)')).toBeNull();
  });
});

describe('describeRunBadge', () => {
  const entry = (over: Partial<IRunEntry>): IRunEntry => ({
    runId: 'r1-0123456789',
    state: 'ready',
    run: null,
    error: null,
    ...over
  });

  it('gives the name, status and key metric of a run', () => {
    const view = describeRunBadge(
      entry({
        run: run({
          status: 'FINISHED',
          metrics: {
            loss: { value: 0.3, step: 9, timestamp: 9 },
            val_accuracy: { value: 0.91234, step: 9, timestamp: 9 }
          }
        })
      }),
      trans
    );
    expect(view.label).toBe('brave-owl-3');
    expect(view).toMatchObject({
      state: 'ready',
      statusLabel: 'finished',
      statusClass: 'jp-mlp-RunStatus-finished',
      metric: 'val_accuracy 0.912',
      live: false,
      openable: true
    });
    expect(view.title).toContain('val_accuracy = 0.912 at step 9');
  });

  it('says when a run is loading, deleted, gone or unreadable', () => {
    const loading = describeRunBadge(entry({ state: 'loading' }), trans);
    expect(loading.label).toBe('r1-01234');
    expect(loading).toMatchObject({ state: 'loading', openable: true });
    expect(
      describeRunBadge(
        entry({ run: run({ lifecycle_stage: 'deleted' }) }),
        trans
      )
    ).toMatchObject({ state: 'deleted', openable: true, live: true });
    expect(
      describeRunBadge(entry({ state: 'missing', error: 'gone' }), trans)
    ).toMatchObject({ state: 'missing', openable: false });
    expect(
      describeRunBadge(entry({ state: 'error', error: 'offline' }), trans)
    ).toMatchObject({ state: 'error', openable: true });
  });
});
