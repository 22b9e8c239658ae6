/*
 * How a person from an execution record is shown: name, initials, colour.
 *
 * Names come from the record only (the server's identity); the colour may
 * come from what the person uses in the collaboration awareness, which is a
 * lookup the caller injects (`IUserColors`).
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import type { ICollabUser } from '../api/collab';

/** How many colours JupyterLab's collaborator palette has. */
export const COLLABORATOR_PALETTE_SIZE = 7;

/**
 * The colour of a person without one of their own: one of JupyterLab's
 * collaborator colours (`--jp-collaborator-color1..7`, themed for light and
 * dark), always the same one for the same username.
 */
export function paletteColor(username: string): string {
  // FNV-1a: stable across sessions and browsers.
  let hash = 0x811c9dc5;
  for (let i = 0; i < username.length; i++) {
    hash ^= username.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `var(--jp-collaborator-color${(hash % COLLABORATOR_PALETTE_SIZE) + 1})`;
}

/**
 * Colours people use in the collaboration awareness, by username.
 */
export interface IUserColors {
  /** The colour `username` uses now, or `null` when unknown. */
  colorOf(username: string): string | null;
  /** Emitted when a colour changes (not on every awareness update). */
  readonly changed: ISignal<IUserColors, void>;
}

/**
 * The colour a person is shown in: the one the server's identity gives,
 * else the one they use in the awareness, else their palette colour.
 */
export function userColor(
  user: Pick<ICollabUser, 'username' | 'color'>,
  colors?: IUserColors | null
): string {
  return (
    nonEmpty(user.color) ??
    nonEmpty(colors?.colorOf(user.username)) ??
    paletteColor(user.username)
  );
}

/** The name to show for a person. */
export function displayName(
  user: Pick<ICollabUser, 'username' | 'name' | 'display_name'>
): string {
  return nonEmpty(user.display_name) ?? nonEmpty(user.name) ?? user.username;
}

/** The initials on a person's avatar (at most two letters). */
export function initialsOf(user: ICollabUser): string {
  const given = nonEmpty(user.initials);
  if (given) {
    return [...given].slice(0, 2).join('');
  }
  const words = displayName(user)
    .replace(/[_.-]+/g, ' ')
    .split(/\s+/)
    .filter(word => word.length > 0);
  const letters = words.slice(0, 2).map(word => [...word][0]);
  return letters.join('').toUpperCase() || '?';
}

function nonEmpty(value: string | null | undefined): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/**
 * The part of a y-protocols `Awareness` that `AwarenessColors` reads.
 */
export interface IAwarenessLike {
  getStates(): Map<number, Record<string, unknown>>;
  on(event: 'change', listener: () => void): void;
  off(event: 'change', listener: () => void): void;
}

/**
 * `IUserColors` read from an awareness (`IGlobalAwareness`): each state's
 * `user.username` and `user.color`. Only colours come from here, never
 * names: awareness is claimed by the client.
 */
export class AwarenessColors implements IUserColors, IDisposable {
  constructor(awareness: IAwarenessLike) {
    this._awareness = awareness;
    awareness.on('change', this._onChange);
    this._read();
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  colorOf(username: string): string | null {
    return this._colors.get(username) ?? null;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._awareness.off('change', this._onChange);
    Signal.clearData(this);
  }

  /** Re-read the colours; `true` when one changed. */
  private _read(): boolean {
    const colors = new Map<string, string>();
    for (const state of this._awareness.getStates().values()) {
      const user = state?.['user'] as
        { username?: unknown; color?: unknown } | undefined;
      if (
        user &&
        typeof user.username === 'string' &&
        typeof user.color === 'string' &&
        user.color !== ''
      ) {
        colors.set(user.username, user.color);
      }
    }
    const same =
      colors.size === this._colors.size &&
      [...colors].every(([name, color]) => this._colors.get(name) === color);
    this._colors = colors;
    return !same;
  }

  private _onChange = (): void => {
    if (this._read()) {
      this._changed.emit();
    }
  };

  private _awareness: IAwarenessLike;
  private _changed = new Signal<this, void>(this);
  private _colors = new Map<string, string>();
  private _isDisposed = false;
}
