/*
 * Times, people and executions as the chips show them.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import {
  executionState,
  executionTooltip,
  LINK_MARK,
  staleNote
} from '../execution';
import {
  AwarenessColors,
  displayName,
  IUserColors,
  initialsOf,
  paletteColor,
  userColor
} from '../../identity';
import { readAttributionSettings } from '../settings';
import { clockTime, relativeTime, SharedClock } from '../../time';
import { ALICE, BOB, record, T0 } from './records';

const trans = nullTranslator.load('jupyterlab_mlplatform');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('relativeTime', () => {
  it.each([
    [0, 'just now'],
    [44 * SECOND, 'just now'],
    [-5 * SECOND, 'just now'],
    [50 * SECOND, '1 min ago'],
    [3 * MINUTE + 20 * SECOND, '3 min ago'],
    [59 * MINUTE, '59 min ago'],
    [2 * HOUR + 5 * MINUTE, '2 h ago'],
    [DAY, '1 day ago'],
    [3 * DAY, '3 days ago']
  ])('%d ms ago reads "%s"', (age, label) => {
    expect(relativeTime(T0 - age, T0, trans)).toBe(label);
  });

  it('gives the date after a week', () => {
    const then = T0 - 10 * DAY;
    const label = relativeTime(then, T0, trans);
    expect(label).toBe(
      new Date(then).toLocaleDateString(undefined, {
        month: 'short',
        day: 'numeric'
      })
    );
  });
});

describe('clockTime', () => {
  it('gives the time alone on the same day, with the date otherwise', () => {
    const time = new Date(T0).toLocaleTimeString(undefined, {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit'
    });
    expect(clockTime(T0, T0 + HOUR)).toBe(time);
    expect(clockTime(T0, T0 + 2 * DAY)).not.toBe(time);
    expect(clockTime(T0, T0 + 2 * DAY).endsWith(time)).toBe(true);
  });
});

describe('SharedClock', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ticks its subscribers, and runs no timer without them', () => {
    let now = T0;
    const clock = new SharedClock({ interval: 1000, now: () => now });
    const seen: number[] = [];

    expect(jest.getTimerCount()).toBe(0);
    const a = clock.subscribe(t => seen.push(t));
    const b = clock.subscribe(t => seen.push(-t));
    expect(jest.getTimerCount()).toBe(1);

    now = T0 + 1000;
    jest.advanceTimersByTime(1000);
    expect(seen).toEqual([T0 + 1000, -(T0 + 1000)]);

    a.dispose();
    b.dispose();
    expect(clock.subscribers).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(5000);
    expect(seen).toHaveLength(2);
    clock.dispose();
  });
});

describe('people', () => {
  it('takes the name and initials from the record', () => {
    expect(displayName(ALICE)).toBe('Alice Smith');
    expect(displayName({ ...ALICE, display_name: '', name: '' })).toBe('alice');
    expect(initialsOf(ALICE)).toBe('AS');
    expect(initialsOf({ ...ALICE, initials: null })).toBe('AS');
    expect(
      initialsOf({
        username: 'jd',
        name: 'jane_doe',
        display_name: 'jane_doe'
      })
    ).toBe('JD');
  });

  it('gives one palette colour per username, the same each time', () => {
    const colors = new Set(
      ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'].map(
        paletteColor
      )
    );
    expect(paletteColor('alice')).toBe(paletteColor('alice'));
    expect(paletteColor('alice')).toMatch(
      /^var\(--jp-collaborator-color[1-7]\)$/
    );
    // Eight names spread over several of the seven colours.
    expect(colors.size).toBeGreaterThan(3);
  });

  it('prefers the identity colour, then the awareness one, then the palette', () => {
    const colors: IUserColors = {
      colorOf: name => (name === 'alice' ? '#123456' : null),
      changed: new Signal<IUserColors, void>({} as IUserColors)
    };
    expect(userColor(BOB, colors)).toBe('#7b1fa2');
    expect(userColor(ALICE, colors)).toBe('#123456');
    expect(userColor(ALICE, null)).toBe(paletteColor('alice'));
  });
});

describe('AwarenessColors', () => {
  /** A stand-in for a y-protocols Awareness. */
  class FakeAwareness {
    states = new Map<number, Record<string, unknown>>();
    listeners: Array<() => void> = [];
    getStates() {
      return this.states;
    }
    on(_: 'change', listener: () => void) {
      this.listeners.push(listener);
    }
    off(_: 'change', listener: () => void) {
      this.listeners = this.listeners.filter(l => l !== listener);
    }
    set(clientId: number, state: Record<string, unknown>) {
      this.states.set(clientId, state);
      this.listeners.forEach(l => l());
    }
  }

  it('reads colours by username and tells only when one changes', () => {
    const awareness = new FakeAwareness();
    awareness.states.set(1, { user: { username: 'alice', color: '#111' } });
    const colors = new AwarenessColors(awareness);
    let changes = 0;
    colors.changed.connect(() => (changes += 1));

    expect(colors.colorOf('alice')).toBe('#111');
    expect(colors.colorOf('bob')).toBeNull();

    // A cursor move: same colours, no change.
    awareness.set(1, {
      user: { username: 'alice', color: '#111' },
      cursors: [1]
    });
    expect(changes).toBe(0);

    awareness.set(2, { user: { username: 'bob', color: '#222' } });
    expect(changes).toBe(1);
    expect(colors.colorOf('bob')).toBe('#222');

    colors.dispose();
    expect(awareness.listeners).toHaveLength(0);
  });
});

describe('execution texts', () => {
  it('says who ran the cell, when, and how it went', () => {
    const at = clockTime(T0, T0);
    expect(executionTooltip(record(), T0 + MINUTE, trans)).toBe(
      `Run by Alice Smith at ${at} ([12])\nFinished after 3.2 s`
    );
    expect(
      executionTooltip(
        record({ status: 'error', ended: T0 + 1100, execution_count: null }),
        T0,
        trans
      )
    ).toBe(`Run by Alice Smith at ${at}\nFailed with an error after 1.1 s`);
    expect(
      executionTooltip(
        record({ status: 'running', ended: null }),
        T0 + 65 * SECOND,
        trans
      )
    ).toBe(`Run by Alice Smith at ${at} ([12])\nRunning for 1m 05s`);
  });

  it('gives a short state for the chip', () => {
    expect(executionState(record(), T0, trans)).toBe('3.2 s');
    expect(
      executionState(record({ status: 'running', ended: null }), T0, trans)
    ).toBe('running');
    expect(
      executionState(
        record({ status: 'running', ended: null }),
        T0 + 3 * MINUTE,
        trans
      )
    ).toBe('running for 3 min');
    expect(
      executionState(record({ status: 'error', ended: T0 + 500 }), T0, trans)
    ).toBe('error · 500 ms');
    expect(executionState(record({ status: 'aborted' }), T0, trans)).toBe(
      'not run'
    );
  });

  it('writes the stale note with a place for the cell link', () => {
    const note = staleNote(
      {
        cause: {
          cellId: 'c2',
          index: 2,
          user: BOB,
          started: T0,
          running: false
        },
        count: 3
      },
      T0 + MINUTE,
      trans
    );

    expect(note.cellLabel).toBe('cell 3');
    expect(note.template).toMatch(
      new RegExp(
        `^Stale: ${LINK_MARK} was re-run by Bob Jones at .+ after this output \\(and 2 more cells above\\)$`
      )
    );
    expect(note.title).toContain(
      `Stale: cell 3 was re-run by Bob Jones at ${clockTime(T0, T0)}`
    );
  });
});

describe('readAttributionSettings', () => {
  it('takes booleans and defaults anything else to on', () => {
    const values: Record<string, unknown> = {
      showExecutedBy: false,
      showRunBadges: 'yes',
      markStaleOutputs: undefined
    };
    expect(readAttributionSettings(key => values[key])).toEqual({
      showExecutedBy: false,
      showRunBadges: true,
      markStaleOutputs: true
    });
  });
});
