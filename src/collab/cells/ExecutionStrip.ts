/*
 * The strip between a code cell's input and its outputs: who ran the cell
 * last and when (the chip), a badge per run that execution created, and the
 * stale-output note.
 *
 * Plain DOM, updated part by part: a notebook may hold thousands of these.
 * While the strip is out of view it neither follows the clock nor watches
 * its runs.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { historyIcon } from '@jupyterlab/ui-components';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import type { IExecutionRecord } from '../../api/collab';
import { createAvatar, renderAvatar } from '../avatar';
import {
  executionState,
  executionTime,
  executionTooltip,
  LINK_MARK,
  staleNote
} from './execution';
import { displayName, IUserColors, userColor } from '../identity';
import { describeRunBadge, IRunBadgeView } from './runBadge';
import type { IRunCache, IRunEntry } from './runCache';
import type { IAttributionSettings } from './settings';
import type { IStaleInfo } from './stale';
import type { SharedClock } from '../time';

const STRIP_CLASS = 'jp-mlp-ExecutionStrip';
const GUTTER_CLASS = 'jp-mlp-ExecutionStrip-gutter';
const BODY_CLASS = 'jp-mlp-ExecutionStrip-body';
const CHIP_CLASS = 'jp-mlp-CellChip';
const CHIP_NAME_CLASS = 'jp-mlp-CellChip-name';
const CHIP_TIME_CLASS = 'jp-mlp-CellChip-time';
const CHIP_STATE_CLASS = 'jp-mlp-CellChip-state';
const BADGES_CLASS = 'jp-mlp-RunBadges';
const BADGE_CLASS = 'jp-mlp-RunBadge';
const BADGE_NAME_CLASS = 'jp-mlp-RunBadge-name';
const BADGE_METRIC_CLASS = 'jp-mlp-RunBadge-metric';
const MORE_CLASS = 'jp-mlp-RunBadges-more';
const STATUS_CLASS = 'jp-mlp-StatusBadge jp-mlp-RunStatus';
const STALE_CLASS = 'jp-mlp-StaleNote';
const STALE_ICON_CLASS = 'jp-mlp-StaleNote-icon';
const STALE_LINK_CLASS = 'jp-mlp-StaleNote-cell';

/** Badges shown before "+N more" (the execution's latest runs). */
export const MAX_BADGES = 3;

/**
 * What every strip of a page shares.
 */
export interface IStripContext {
  readonly trans: TranslationBundle;
  /** The one clock of the relative times. */
  readonly clock: SharedClock;
  /** The shared run cache. */
  readonly runs: IRunCache;
  /** Colours from the awareness, if there is one. */
  readonly colors: IUserColors | null;
  /** What to show. */
  readonly settings: IAttributionSettings;
  /** Open a run in the Experiments panel. */
  openRun(runId: string): void;
}

/**
 * Tells a strip whether it is in view (an `IntersectionObserver` per
 * notebook).
 */
export interface IVisibilityObserver {
  observe(strip: ExecutionStrip): void;
  unobserve(strip: ExecutionStrip): void;
}

export class ExecutionStrip extends Widget {
  constructor(options: ExecutionStrip.IOptions) {
    super();
    this.addClass(STRIP_CLASS);
    this._context = options.context;
    this._revealCell = options.revealCell;
    this._visibility = options.visibility ?? null;
    const trans = this._context.trans;

    this._gutter = element('div', GUTTER_CLASS);
    this._avatar = createAvatar();
    this._gutter.appendChild(this._avatar);

    this._chip = element('span', CHIP_CLASS);
    this._name = element('span', CHIP_NAME_CLASS);
    this._time = element('span', CHIP_TIME_CLASS);
    this._state = element('span', CHIP_STATE_CLASS);
    this._chip.append(this._name, ' ', this._time, ' ', this._state);

    this._badges = element('span', BADGES_CLASS);
    this._badges.setAttribute('role', 'group');
    this._badges.setAttribute(
      'aria-label',
      trans.__('Runs created by this execution')
    );

    this._stale = element('span', STALE_CLASS);
    this._stale.setAttribute('role', 'note');

    const body = element('div', BODY_CLASS);
    body.append(this._chip, this._badges, this._stale);
    this.node.append(this._gutter, body);
    this.node.addEventListener('keydown', this._onKeyDown);
    this.hide();
  }

  /** The record shown. */
  get record(): IExecutionRecord | null {
    return this._record;
  }

  /** Why the outputs are stale, if they are. */
  get stale(): IStaleInfo | null {
    return this._staleInfo;
  }

  /** Whether the strip is in view (it follows the clock and its runs). */
  get visible(): boolean {
    return this._visible;
  }

  /** Show another record (or none). */
  setRecord(record: IExecutionRecord | null): void {
    this._record = record;
    this._renderChip();
    this._syncBadges();
    this._updateShown();
  }

  /** Mark the outputs stale (or not). */
  setStale(info: IStaleInfo | null): void {
    this._staleInfo = info;
    this._renderStale();
    this._updateShown();
  }

  /** Render everything again (settings or colours changed). */
  refresh(): void {
    this._renderChip();
    this._syncBadges();
    this._renderStale();
    this._updateShown();
  }

  /**
   * In view: follow the clock and watch the runs. Out of view: stop both
   * (the runs stay cached).
   */
  setVisible(visible: boolean): void {
    if (visible === this._visible || this.isDisposed) {
      return;
    }
    this._visible = visible;
    if (visible) {
      this._tick = this._context.clock.subscribe(now => this._renderTime(now));
      this._renderTime(this._context.clock.now());
      for (const badge of this._badgeSlots.values()) {
        this._watchBadge(badge);
      }
    } else {
      this._tick?.dispose();
      this._tick = null;
      for (const badge of this._badgeSlots.values()) {
        badge.watch?.dispose();
        badge.watch = null;
      }
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._visibility?.unobserve(this);
    this.setVisible(false);
    this.node.removeEventListener('keydown', this._onKeyDown);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this._visibility) {
      this._visibility.observe(this);
    } else {
      this.setVisible(true);
    }
  }

  protected onBeforeDetach(msg: Message): void {
    this._visibility?.unobserve(this);
    this.setVisible(false);
    super.onBeforeDetach(msg);
  }

  // -- the chip ------------------------------------------------------------------------

  private _renderChip(): void {
    const record = this._record;
    const { settings, colors } = this._context;
    const shown = record !== null && settings.showExecutedBy;
    this._chip.hidden = !shown;
    this._avatar.hidden = !shown;
    if (!record || !shown) {
      delete this.node.dataset.status;
      return;
    }
    this.node.dataset.status = record.status;
    renderAvatar(this._avatar, record.user, userColor(record.user, colors));
    this._name.textContent = displayName(record.user);
    this._renderTime(this._context.clock.now());
  }

  private _renderTime(now: number): void {
    const record = this._record;
    if (!record || this._chip.hidden) {
      return;
    }
    const trans = this._context.trans;
    setText(this._time, executionTime(record, now, trans));
    setText(this._state, executionState(record, now, trans));
    const title = executionTooltip(record, now, trans);
    if (this._chip.title !== title) {
      this._chip.title = title;
      this._avatar.title = title;
    }
    if (this._staleInfo && !this._stale.hidden) {
      // The note says "at 10:02" or "yesterday 10:02": keep it current.
      this._renderStale();
    }
  }

  // -- the run badges ------------------------------------------------------------------

  /** Make the badges match the record's runs. */
  private _syncBadges(): void {
    const runIds =
      this._record && this._context.settings.showRunBadges
        ? this._record.runs.filter(
            (id): id is string => typeof id === 'string' && id !== ''
          )
        : [];
    const hidden = this._expanded ? 0 : Math.max(0, runIds.length - MAX_BADGES);
    const shownIds = runIds.slice(hidden);
    const shown = new Set(shownIds);
    for (const [runId, badge] of this._badgeSlots) {
      if (!shown.has(runId)) {
        badge.watch?.dispose();
        badge.node.remove();
        this._badgeSlots.delete(runId);
      }
    }
    for (const runId of shownIds) {
      let badge = this._badgeSlots.get(runId);
      if (!badge) {
        badge = this._createBadge(runId);
        this._badgeSlots.set(runId, badge);
      }
      // Appending moves a kept badge: the order follows the record.
      this._badges.appendChild(badge.node);
    }
    this._renderMore(runIds.length, hidden);
    this._badges.hidden = runIds.length === 0;
  }

  private _renderMore(total: number, hidden: number): void {
    const trans = this._context.trans;
    if (total <= MAX_BADGES) {
      this._more?.remove();
      this._more = null;
      return;
    }
    if (!this._more) {
      const more = element('button', MORE_CLASS) as HTMLButtonElement;
      more.type = 'button';
      more.addEventListener('click', () => {
        this._expanded = !this._expanded;
        this._syncBadges();
      });
      this._more = more;
    }
    const more = this._more;
    if (hidden > 0) {
      more.textContent = trans.__('+%1 more', hidden);
      more.title = trans._n(
        'Show the %1 run of this execution',
        'Show all %1 runs of this execution',
        total
      );
      more.setAttribute('aria-expanded', 'false');
    } else {
      more.textContent = trans.__('fewer');
      more.title = trans.__('Show only the latest %1 runs', MAX_BADGES);
      more.setAttribute('aria-expanded', 'true');
    }
    this._badges.appendChild(more);
  }

  private _createBadge(runId: string): IBadgeSlot {
    const node = element('button', BADGE_CLASS) as HTMLButtonElement;
    node.type = 'button';
    node.dataset.runId = runId;
    const name = element('span', BADGE_NAME_CLASS);
    const status = element('span', STATUS_CLASS);
    const metric = element('span', BADGE_METRIC_CLASS);
    node.append(name, ' ', status, ' ', metric);
    const badge: IBadgeSlot = {
      node,
      name,
      status,
      metric,
      watch: null,
      view: null
    };
    node.addEventListener('click', () => {
      if (badge.view?.openable) {
        this._context.openRun(runId);
      }
    });
    if (this._visible) {
      this._watchBadge(badge);
    } else {
      const entry = this._context.runs.peek(runId);
      this._renderBadge(badge, entry ?? loadingEntry(runId));
    }
    return badge;
  }

  private _watchBadge(badge: IBadgeSlot): void {
    if (badge.watch) {
      return;
    }
    const runId = badge.node.dataset.runId!;
    badge.watch = this._context.runs.watch(runId, entry =>
      this._renderBadge(badge, entry)
    );
    this._renderBadge(badge, this._context.runs.get(runId));
  }

  private _renderBadge(badge: IBadgeSlot, entry: IRunEntry): void {
    const view = describeRunBadge(entry, this._context.trans);
    const previous = badge.view;
    badge.view = view;
    if (
      previous &&
      previous.title === view.title &&
      previous.state === view.state &&
      previous.label === view.label &&
      previous.metric === view.metric &&
      previous.statusClass === view.statusClass
    ) {
      return;
    }
    badge.node.dataset.state = view.state;
    badge.node.setAttribute('aria-disabled', view.openable ? 'false' : 'true');
    badge.node.title = view.title;
    badge.node.setAttribute(
      'aria-label',
      [view.label, view.statusLabel, view.metric].filter(Boolean).join(', ')
    );
    setText(badge.name, view.label);
    setText(badge.status, view.statusLabel);
    badge.status.className = `${STATUS_CLASS} ${view.statusClass}`;
    setText(badge.metric, view.metric ?? '');
    badge.metric.hidden = view.metric === null;
  }

  // -- the stale note ------------------------------------------------------------------

  private _renderStale(): void {
    const info = this._staleInfo;
    const shown = info !== null && this._context.settings.markStaleOutputs;
    this._stale.hidden = !shown;
    if (!info || !shown) {
      this._stale.textContent = '';
      this._staleKey = '';
      return;
    }
    const text = staleNote(
      info,
      this._context.clock.now(),
      this._context.trans
    );
    const key = `${text.template}\u0001${text.cellLabel}\u0001${text.title}`;
    if (key === this._staleKey) {
      return;
    }
    this._staleKey = key;
    this._stale.textContent = '';
    this._stale.title = text.title;
    const icon = historyIcon.element({
      tag: 'span',
      className: STALE_ICON_CLASS
    });
    icon.setAttribute('aria-hidden', 'true');
    this._stale.appendChild(icon);
    const [before, ...rest] = text.template.split(LINK_MARK);
    this._stale.append(before);
    const link = element('button', STALE_LINK_CLASS) as HTMLButtonElement;
    link.type = 'button';
    link.textContent = text.cellLabel;
    link.title = this._context.trans.__('Go to %1', text.cellLabel);
    const cellId = info.cause.cellId;
    link.addEventListener('click', () => this._revealCell(cellId));
    this._stale.append(link, rest.join(''));
  }

  private _updateShown(): void {
    const empty =
      this._chip.hidden && this._badges.hidden && this._stale.hidden;
    this.setHidden(empty);
  }

  /**
   * Enter and Space on the strip's buttons are theirs: they must not reach
   * the notebook's shortcuts (Enter would edit the cell).
   */
  private _onKeyDown = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement | null;
    if (
      target?.tagName === 'BUTTON' &&
      (event.key === 'Enter' || event.key === ' ')
    ) {
      event.stopPropagation();
    }
  };

  private _avatar: HTMLElement;
  private _badges: HTMLElement;
  private _badgeSlots = new Map<string, IBadgeSlot>();
  private _chip: HTMLElement;
  private _context: IStripContext;
  private _expanded = false;
  private _gutter: HTMLElement;
  private _more: HTMLButtonElement | null = null;
  private _name: HTMLElement;
  private _record: IExecutionRecord | null = null;
  private _revealCell: (cellId: string) => void;
  private _stale: HTMLElement;
  private _staleInfo: IStaleInfo | null = null;
  private _staleKey = '';
  private _state: HTMLElement;
  private _tick: IDisposable | null = null;
  private _time: HTMLElement;
  private _visibility: IVisibilityObserver | null;
  private _visible = false;
}

export namespace ExecutionStrip {
  export interface IOptions {
    context: IStripContext;
    /** Make a cell of the same notebook the active, visible one. */
    revealCell: (cellId: string) => void;
    /** Tells the strip when it is in view; always in view without one. */
    visibility?: IVisibilityObserver | null;
  }
}

interface IBadgeSlot {
  node: HTMLButtonElement;
  name: HTMLElement;
  status: HTMLElement;
  metric: HTMLElement;
  watch: IDisposable | null;
  view: IRunBadgeView | null;
}

function element(tag: string, className: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

/** Set a text only when it differs (no needless DOM mutation). */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

function loadingEntry(runId: string): IRunEntry {
  return { runId, state: 'loading', run: null, error: null };
}
