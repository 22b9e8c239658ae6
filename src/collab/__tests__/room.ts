/*
 * Test helpers: real Yjs documents and y-protocols awareness objects, kept
 * in sync the way a collaboration room does (updates encoded, sent and
 * applied; awareness states cross as JSON), in one process.
 */
import { YNotebook } from '@jupyter/ydoc';
import {
  applyAwarenessUpdate,
  Awareness,
  encodeAwarenessUpdate,
  removeAwarenessStates
} from 'y-protocols/awareness';
import * as Y from 'yjs';

const REMOTE = 'remote';

// @jupyter/ydoc 4.2 reads a new cell's types before they are in the
// document, and yjs 13.6 warns each time (browsers log it too): keep the
// test output for real warnings.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]): void => {
  if (
    typeof args[0] === 'string' &&
    args[0].startsWith('Invalid access: Add Yjs type to a document')
  ) {
    return;
  }
  warn(...args);
};

/**
 * Relay every local awareness change of each of `awarenesses` to the
 * others; returns the way to stop.
 */
export function linkAwareness(...awarenesses: Awareness[]): () => void {
  const stops = awarenesses.map(source => {
    const onUpdate = (
      change: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown
    ): void => {
      if (origin === REMOTE) {
        return;
      }
      const clients = [...change.added, ...change.updated, ...change.removed];
      const update = encodeAwarenessUpdate(source, clients);
      for (const target of awarenesses) {
        if (target !== source) {
          applyAwarenessUpdate(target, update, REMOTE);
        }
      }
    };
    source.on('update', onUpdate);
    return () => source.off('update', onUpdate);
  });
  // Late joiners learn the states already there (the server re-sends them).
  for (const source of awarenesses) {
    const update = encodeAwarenessUpdate(source, [
      ...source.getStates().keys()
    ]);
    for (const target of awarenesses) {
      if (target !== source) {
        applyAwarenessUpdate(target, update, REMOTE);
      }
    }
  }
  return () => stops.forEach(stop => stop());
}

/**
 * Relay every document update between `docs` (both ways).
 */
export function linkDocs(...docs: Y.Doc[]): () => void {
  for (const a of docs) {
    for (const b of docs) {
      if (a !== b) {
        Y.applyUpdate(b, Y.encodeStateAsUpdate(a), REMOTE);
      }
    }
  }
  const stops = docs.map(source => {
    const onUpdate = (update: Uint8Array, origin: unknown): void => {
      if (origin === REMOTE) {
        return;
      }
      for (const target of docs) {
        if (target !== source) {
          Y.applyUpdate(target, update, REMOTE);
        }
      }
    };
    source.on('update', onUpdate);
    return () => source.off('update', onUpdate);
  });
  return () => stops.forEach(stop => stop());
}

/**
 * The identity a JupyterLab tab puts in its awareness (`User.IIdentity`).
 */
export function identity(
  username: string,
  displayName: string,
  color = 'var(--jp-collaborator-color1)'
): Record<string, string> {
  return {
    username,
    name: displayName,
    display_name: displayName,
    initials: displayName
      .split(' ')
      .map(w => w[0])
      .join(''),
    color
  };
}

/**
 * A browser tab: its global awareness (its own Y.Doc, as in
 * `rtcGlobalAwarenessPlugin`) with the user set.
 */
export function tab(username: string, displayName: string): Awareness {
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalStateField('user', identity(username, displayName));
  return awareness;
}

/**
 * A tab closing: it withdraws its state (the provider does on unload).
 */
export function closeTab(awareness: Awareness): void {
  removeAwarenessStates(awareness, [awareness.clientID], 'window unload');
}

/**
 * A shared notebook with the given code cells' sources.
 */
export function notebook(sources: string[]): YNotebook {
  return YNotebook.create({
    data: {
      cells: sources.map(source => ({
        cell_type: 'code',
        source,
        metadata: {},
        outputs: [],
        execution_count: null
      }))
    }
  });
}

/**
 * A remote-cursors `cursors` field at `index` of a cell's source (what the
 * upstream CodeMirror extension publishes).
 */
export function cursorAt(ytext: Y.Text, index: number): unknown[] {
  const position = Y.createRelativePositionFromTypeIndex(ytext, index);
  return [{ anchor: position, head: position, primary: true, empty: true }];
}
