/*
 * Following a collaborator: our view goes where they go (their notebook,
 * their active cell) until we act ourselves or they leave.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { IPerson, IPersonLocation } from './people';

/**
 * Where following takes our view.
 */
export interface IFollowTarget {
  kind: IPersonLocation['kind'];
  path: string;
  cellId: string | null;
}

/**
 * How a move went: `shown`; `missing` when the document is shown but the
 * cell is not in our copy (yet: it is tried again when anything changes);
 * `failed` when the document could not be shown (not tried again until
 * they move).
 */
export type FollowResult = 'shown' | 'missing' | 'failed';

/**
 * How following moves our view. The moves are programmatic: they make no
 * pointer, key or wheel input, so they do not stop following.
 */
export interface IFollowView {
  /**
   * Show the target: open or reveal the document, then activate and scroll
   * to the cell.
   */
  show(target: IFollowTarget): Promise<FollowResult>;
}

/**
 * What the follow controller reads people from (the presence model).
 */
export interface IPeopleSource {
  readonly changed: ISignal<unknown, void>;
  person(username: string): IPerson | null;
}

/** Why following stopped. */
export type StopReason = 'user' | 'left' | 'command';

export class FollowController implements IDisposable {
  constructor(options: FollowController.IOptions) {
    this._people = options.people;
    this._view = options.view;
    this._people.changed.connect(this._onPeopleChanged, this);
  }

  /** Emitted when following starts, stops, or the followed person moves. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when following stops, with the person and the reason. */
  get stopped(): ISignal<this, FollowController.IStopped> {
    return this._stopped;
  }

  /** The person followed, as last seen. */
  get following(): IPerson | null {
    return this._person;
  }

  /** Whether a move of ours is under way. */
  get moving(): boolean {
    return this._moving;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Follow someone (not ourselves): our view goes to them now, and wherever
   * they go next. Returns whether they are there to follow.
   */
  follow(username: string): boolean {
    const person = this._people.person(username);
    if (this._isDisposed || !person || person.isSelf) {
      return false;
    }
    if (this._person && this._person.username !== username) {
      this.stop('command');
    }
    this._person = person;
    this._shown = null;
    this._generation += 1;
    this._changed.emit();
    this._goTo(person);
    return true;
  }

  /** Stop following (when following). */
  stop(reason: StopReason = 'command'): void {
    const person = this._person;
    if (person === null) {
      return;
    }
    this._person = null;
    this._target = null;
    this._shown = null;
    this._generation += 1;
    this._changed.emit();
    this._stopped.emit({ person, reason });
  }

  /**
   * Our user acted in the main area (pointer, key, wheel): they take their
   * view back. Moves of ours make no such input.
   */
  userActed(): void {
    this.stop('user');
  }

  /**
   * The main area's current document changed (`null`: not a document). A
   * change of ours while we move, or to where we follow, keeps following;
   * our user switching elsewhere stops it.
   */
  currentChanged(path: string | null): void {
    if (this._person === null || this._moving) {
      return;
    }
    const location = this._person.location;
    if (location === null || path !== location.path) {
      this.stop('user');
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._people.changed.disconnect(this._onPeopleChanged, this);
    this._person = null;
    Signal.clearData(this);
  }

  private _onPeopleChanged(): void {
    if (this._person === null) {
      return;
    }
    const person = this._people.person(this._person.username);
    if (person === null) {
      this.stop('left');
      return;
    }
    const moved =
      JSON.stringify(person.location) !==
        JSON.stringify(this._person.location) ||
      person.user.display_name !== this._person.user.display_name;
    this._person = person;
    if (moved) {
      this._changed.emit();
    }
    this._goTo(person);
  }

  /** Move our view to the person's location (the latest one wins). */
  private _goTo(person: IPerson): void {
    const location = person.location;
    if (location === null) {
      return; // Not in a document: stay where we are.
    }
    const target: IFollowTarget = {
      kind: location.kind,
      path: location.path,
      cellId: location.cellId
    };
    if (this._shown !== null && sameTarget(this._shown, target)) {
      return;
    }
    this._target = target;
    if (!this._moving) {
      void this._move();
    }
  }

  private async _move(): Promise<void> {
    this._moving = true;
    try {
      while (this._target !== null) {
        const target = this._target;
        const generation = this._generation;
        this._target = null;
        let result: FollowResult = 'failed';
        try {
          result = await this._view.show(target);
        } catch (error) {
          console.error('mlplatform: following could not move', error);
        }
        if (generation === this._generation) {
          // A cell not there yet is tried again with the next change; a
          // document that cannot be opened is not (it would fail again).
          this._shown = result === 'missing' ? null : target;
        }
      }
    } finally {
      this._moving = false;
    }
  }

  private _changed = new Signal<this, void>(this);
  /** Counts follows and stops: a move finished for an older one is moot. */
  private _generation = 0;
  private _isDisposed = false;
  private _moving = false;
  private _people: IPeopleSource;
  private _person: IPerson | null = null;
  private _shown: IFollowTarget | null = null;
  private _stopped = new Signal<this, FollowController.IStopped>(this);
  private _target: IFollowTarget | null = null;
  private _view: IFollowView;
}

export namespace FollowController {
  export interface IOptions {
    people: IPeopleSource;
    view: IFollowView;
  }

  export interface IStopped {
    person: IPerson;
    reason: StopReason;
  }
}

function sameTarget(a: IFollowTarget, b: IFollowTarget): boolean {
  return a.kind === b.kind && a.path === b.path && a.cellId === b.cellId;
}
