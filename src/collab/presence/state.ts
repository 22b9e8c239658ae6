/*
 * Reading awareness states: what one browser tab claims about itself in the
 * global awareness (`IGlobalAwareness`, room `JupyterLab:globalAwareness`)
 * or in a notebook's own awareness. The states come from other people's
 * browsers, so every field is checked before use and nothing here is
 * trusted for more than display.
 */
import {
  ICollabUser,
  IPresenceLocation,
  PRESENCE_FIELD
} from '../../api/collab';

/**
 * One awareness state (one tab in one room), as the awareness holds it.
 */
export type AwarenessState = { [field: string]: unknown };

/**
 * A cursor of the upstream remote-cursors extension: Yjs relative positions
 * (objects, or their JSON once they crossed the network) into a cell's
 * `source` text.
 */
export interface IRawCursor {
  anchor: unknown;
  head: unknown;
  primary: boolean;
}

/**
 * What one tab says about itself.
 */
export interface ITabState {
  /** The awareness client id (one per tab and room). */
  clientId: number;
  user: ICollabUser;
  /** Where the tab is, as this extension publishes it (`PRESENCE_FIELD`). */
  location: IPresenceLocation | null;
  /**
   * The upstream global awareness field: the current main-area document as
   * `<tracker namespace>:<path>` (`notebook:a.ipynb`, `editor:b.py`).
   */
  current: string | null;
  /** The upstream per-notebook field: the tab's editor cursors. */
  cursors: IRawCursor[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * The identity in an awareness state's `user` field (`User.IIdentity`), or
 * `null` without a username.
 */
export function readUser(value: unknown): ICollabUser | null {
  if (!isObject(value)) {
    return null;
  }
  const username = optionalString(value.username);
  if (username === null) {
    return null;
  }
  const name = optionalString(value.name) ?? username;
  return {
    username,
    name,
    display_name: optionalString(value.display_name) ?? name,
    initials: optionalString(value.initials),
    color: optionalString(value.color),
    avatar_url: optionalString(value.avatar_url)
  };
}

/**
 * The location published under `PRESENCE_FIELD`, or `null` when the field
 * is missing or malformed.
 */
export function readLocation(value: unknown): IPresenceLocation | null {
  if (!isObject(value)) {
    return null;
  }
  const { path, cellId, cellIndex, mode, at } = value;
  if (
    (path !== null && typeof path !== 'string') ||
    (cellId !== null && typeof cellId !== 'string') ||
    (cellIndex !== null &&
      !(
        typeof cellIndex === 'number' &&
        Number.isInteger(cellIndex) &&
        cellIndex >= 0
      )) ||
    (mode !== 'command' && mode !== 'edit') ||
    typeof at !== 'number' ||
    !Number.isFinite(at)
  ) {
    return null;
  }
  return {
    path: path === '' ? null : path,
    cellId: cellId === '' ? null : cellId,
    cellIndex,
    mode,
    at
  };
}

/**
 * The cursors of the upstream remote-cursors extension (`cursors` field).
 */
export function readCursors(value: unknown): IRawCursor[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const cursors: IRawCursor[] = [];
  for (const item of value) {
    if (isObject(item) && isObject(item.head)) {
      cursors.push({
        anchor: item.anchor,
        head: item.head,
        primary: item.primary !== false
      });
    }
  }
  return cursors;
}

/**
 * Every tab of an awareness that names its user (states without a `user`
 * are tabs still starting, or other kinds of clients).
 */
export function readTabs(
  states: ReadonlyMap<number, AwarenessState>
): ITabState[] {
  const tabs: ITabState[] = [];
  states.forEach((state, clientId) => {
    const user = readUser(state.user);
    if (user === null) {
      return;
    }
    tabs.push({
      clientId,
      user,
      location: readLocation(state[PRESENCE_FIELD]),
      current: optionalString(state.current),
      cursors: readCursors(state.cursors)
    });
  });
  return tabs;
}

/**
 * The document of an upstream `current` value: `notebook:dir/a.ipynb` is
 * `{ kind: 'notebook', path: 'dir/a.ipynb' }`. Widget ids without a path
 * (`launcher-0`) give `null`.
 */
export function parseCurrent(
  current: string | null
): { kind: string; path: string } | null {
  if (current === null) {
    return null;
  }
  const match = /^(\w[\w-]*):(.+)$/.exec(current);
  return match ? { kind: match[1], path: match[2] } : null;
}
