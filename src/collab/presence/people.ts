/*
 * People from tabs: the awareness has one state per browser tab; the
 * Collaboration panel shows one row per person (merged by username) at the
 * place they were most recently active.
 */
import * as Y from 'yjs';

import { ICollabUser } from '../../api/collab';
import { ICursorCell, primaryCursor, resolveCursor } from './cursor';
import { ITabState, parseCurrent } from './state';

/**
 * Where a person is.
 */
export interface IPersonLocation {
  /** A notebook (cells known), or another document (`current` only). */
  kind: 'notebook' | 'document';
  /** The contents path. */
  path: string;
  /** The cell they are on, when known. */
  cellId: string | null;
  /**
   * Its position (0-based): in our copy of the notebook when we have it
   * open, else as they published it.
   */
  cellIndex: number | null;
  /** `edit` while typing in the cell; `null` when unknown. */
  mode: 'command' | 'edit' | null;
  /** The line of their editor cursor in the cell (0-based), in edit mode. */
  line: number | null;
  /** When they moved there (ms, their clock), when published. */
  at: number | null;
}

/**
 * A person connected to this server, with all their tabs.
 */
export interface IPerson {
  username: string;
  /** The identity of their most recent tab. */
  user: ICollabUser;
  /** Whether this is the user of this lab. */
  isSelf: boolean;
  /** Their tabs' awareness client ids. */
  clientIds: number[];
  /** Where their most recently active tab is, `null` when not in a document. */
  location: IPersonLocation | null;
}

/**
 * A shared notebook we have open: its tabs (from its own awareness), and its
 * document to resolve cursors in.
 */
export interface IOpenNotebook {
  tabs: readonly ITabState[];
  ydoc: Y.Doc;
  cells: readonly ICursorCell[];
}

/**
 * Merge the global awareness' tabs into people.
 *
 * @param tabs - The tabs of the global awareness.
 * @param selfClientId - Our own tab's client id.
 * @param notebooks - The shared notebooks open here, by path: their cursors
 *   and current cell positions refine the locations.
 * @returns Ourselves first, then the others by name.
 */
export function mergePeople(
  tabs: readonly ITabState[],
  selfClientId: number,
  notebooks: ReadonlyMap<string, IOpenNotebook> = new Map()
): IPerson[] {
  const byUser = new Map<string, ITabState[]>();
  for (const tab of tabs) {
    const list = byUser.get(tab.user.username);
    if (list) {
      list.push(tab);
    } else {
      byUser.set(tab.user.username, [tab]);
    }
  }
  const people: IPerson[] = [];
  byUser.forEach((userTabs, username) => {
    const latest = mostRecentTab(userTabs, selfClientId);
    people.push({
      username,
      user: latest.user,
      isSelf: userTabs.some(tab => tab.clientId === selfClientId),
      clientIds: userTabs.map(tab => tab.clientId).sort((a, b) => a - b),
      location: refine(tabLocation(latest), latest, notebooks)
    });
  });
  return people.sort(comparePeople);
}

/**
 * The tab a person used last: the latest published location wins; tabs that
 * publish none (another lab without this extension) come after those that
 * do. Ties go to our own tab, then to the one with a current document.
 */
export function mostRecentTab(
  tabs: readonly ITabState[],
  selfClientId: number
): ITabState {
  const rank = (tab: ITabState): [number, number, number] => [
    tab.location?.at ?? -Infinity,
    tab.clientId === selfClientId ? 1 : 0,
    tab.current !== null ? 1 : 0
  ];
  let best = tabs[0];
  let bestRank = rank(best);
  for (const tab of tabs.slice(1)) {
    const r = rank(tab);
    if (
      r[0] > bestRank[0] ||
      (r[0] === bestRank[0] &&
        (r[1] > bestRank[1] || (r[1] === bestRank[1] && r[2] > bestRank[2])))
    ) {
      best = tab;
      bestRank = r;
    }
  }
  return best;
}

/**
 * Where a tab says it is: the published location, else the upstream
 * `current` document.
 */
function tabLocation(tab: ITabState): IPersonLocation | null {
  const published = tab.location;
  const current = parseCurrent(tab.current);
  if (published && published.path !== null) {
    return {
      kind: 'notebook',
      path: published.path,
      cellId: published.cellId,
      cellIndex: published.cellIndex,
      mode: published.mode,
      line: null,
      at: published.at
    };
  }
  if (current === null || (published && current.kind === 'notebook')) {
    // No document; or a notebook `current` that our field says they left
    // (`current` follows the layout restorer, later than our field).
    return null;
  }
  return {
    kind: current.kind === 'notebook' ? 'notebook' : 'document',
    path: current.path,
    cellId: null,
    cellIndex: null,
    mode: null,
    line: null,
    at: null
  };
}

/**
 * Refine a notebook location with what we see in that notebook when we have
 * it open: the cursor (the cell without a published one, the line in edit
 * mode) and the cell's position in our copy.
 */
function refine(
  location: IPersonLocation | null,
  tab: ITabState,
  notebooks: ReadonlyMap<string, IOpenNotebook>
): IPersonLocation | null {
  if (location === null || location.kind !== 'notebook') {
    return location;
  }
  const notebook = notebooks.get(location.path);
  if (!notebook) {
    return location;
  }
  const refined = { ...location };
  const published = tab.location !== null;
  const state = notebookTab(notebook, tab);
  const cursor = state ? primaryCursor(state.cursors) : null;
  if (cursor && (!published || location.mode === 'edit')) {
    const position = resolveCursor(cursor, notebook.ydoc, notebook.cells);
    if (position && !published) {
      // Cursors stay where they were when a tab leaves edit mode, so the
      // mode is unknown; it is where they last typed.
      refined.cellId = position.cellId;
      refined.line = position.line;
    } else if (position && position.cellId === location.cellId) {
      // A cursor in another cell than the published active cell is a stale
      // one (entering a cell's editor does not always move it): skip it.
      refined.line = position.line;
    }
  }
  if (refined.cellId !== null) {
    const index = notebook.cells.findIndex(c => c.id === refined.cellId);
    if (index >= 0) {
      refined.cellIndex = index;
    }
  }
  return refined;
}

/**
 * The notebook-awareness state of the same tab as a global-awareness state:
 * a tab publishes the same location (same `at`) in both rooms. A tab that
 * publishes nothing is matched when the person has only one state there.
 */
function notebookTab(
  notebook: IOpenNotebook,
  tab: ITabState
): ITabState | null {
  const mine = notebook.tabs.filter(t => t.user.username === tab.user.username);
  if (tab.location !== null) {
    const same = mine.find(t => t.location?.at === tab.location?.at);
    if (same) {
      return same;
    }
  }
  const unpublished = mine.filter(t => t.location === null);
  return unpublished.length === 1 ? unpublished[0] : null;
}

function comparePeople(a: IPerson, b: IPerson): number {
  if (a.isSelf !== b.isSelf) {
    return a.isSelf ? -1 : 1;
  }
  return (
    a.user.display_name.localeCompare(b.user.display_name) ||
    a.username.localeCompare(b.username)
  );
}
