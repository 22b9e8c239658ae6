/*
 * The state of the artifact tree: folder listings fetched lazily, one request
 * per folder, and which folders are expanded.
 */
import * as React from 'react';

import { IArtifactInfo, TrackingClient } from '../../../api/tracking';

/**
 * One folder's listing (`''` is the run's artifact root).
 */
export interface IFolderListing {
  /** The entries, folders first; `null` until the first answer. */
  files: IArtifactInfo[] | null;
  /** A request is in flight (the first load or a refresh). */
  loading: boolean;
  /** The server's message when the last request failed. */
  error: string | null;
}

export interface IArtifactTree {
  listings: ReadonlyMap<string, IFolderListing>;
  expanded: ReadonlySet<string>;
  /** Expand a folder, listing it the first time. */
  expand(folder: string): void;
  collapse(folder: string): void;
  /** List the root and every expanded folder again. */
  refresh(): void;
  /** Expand every folder above `path` (listing each level in turn). */
  reveal(path: string): Promise<void>;
}

/**
 * The folder of an artifact path (`''` for the root).
 */
export function parentFolder(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/**
 * The last segment of an artifact path.
 */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The artifact tree of one run; the root is listed on mount.
 *
 * Remount (a React `key`) to switch runs.
 */
export function useArtifactTree(
  client: TrackingClient,
  runId: string
): IArtifactTree {
  const [listings, setListings] = React.useState<
    ReadonlyMap<string, IFolderListing>
  >(new Map());
  const [expanded, setExpanded] = React.useState<ReadonlySet<string>>(
    new Set()
  );
  // The latest state for callbacks that outlive a render.
  const state = React.useRef({ listings, expanded, mounted: true });
  state.current.listings = listings;
  state.current.expanded = expanded;
  // Requests in flight, so a folder is never listed twice at once.
  const pending = React.useRef(new Map<string, Promise<void>>());

  const load = React.useCallback(
    (folder: string): Promise<void> => {
      const inFlight = pending.current.get(folder);
      if (inFlight) {
        return inFlight;
      }
      const update = (change: Partial<IFolderListing>) => {
        if (!state.current.mounted) {
          return;
        }
        setListings(previous => {
          const next = new Map(previous);
          const current = previous.get(folder) ?? {
            files: null,
            loading: false,
            error: null
          };
          next.set(folder, { ...current, ...change });
          return next;
        });
      };
      update({ loading: true });
      const request = client
        .listArtifacts(runId, folder)
        .then(
          list => {
            update({
              files: Private.sorted(list.files),
              loading: false,
              error: null
            });
          },
          (reason: unknown) => {
            update({
              loading: false,
              error: reason instanceof Error ? reason.message : String(reason)
            });
          }
        )
        .finally(() => {
          pending.current.delete(folder);
        });
      pending.current.set(folder, request);
      return request;
    },
    [client, runId]
  );

  React.useEffect(() => {
    state.current.mounted = true;
    void load('');
    return () => {
      state.current.mounted = false;
    };
  }, [load]);

  const expand = React.useCallback(
    (folder: string) => {
      setExpanded(previous => new Set(previous).add(folder));
      if (Private.needsListing(state.current.listings, folder)) {
        void load(folder);
      }
    },
    [load]
  );

  const collapse = React.useCallback((folder: string) => {
    setExpanded(previous => {
      const next = new Set(previous);
      next.delete(folder);
      return next;
    });
  }, []);

  const refresh = React.useCallback(() => {
    void load('');
    for (const folder of state.current.expanded) {
      void load(folder);
    }
  }, [load]);

  const reveal = React.useCallback(
    async (path: string) => {
      const segments = path.split('/').filter(segment => segment.length > 0);
      let folder = '';
      for (const segment of segments.slice(0, -1)) {
        folder = folder ? `${folder}/${segment}` : segment;
        const target = folder;
        setExpanded(previous => new Set(previous).add(target));
        if (Private.needsListing(state.current.listings, target)) {
          await load(target);
        }
      }
    },
    [load]
  );

  return { listings, expanded, expand, collapse, refresh, reveal };
}

namespace Private {
  /**
   * Whether a folder has never been listed, or its last listing failed.
   */
  export function needsListing(
    listings: ReadonlyMap<string, IFolderListing>,
    folder: string
  ): boolean {
    const listing = listings.get(folder);
    return !listing || (listing.files === null && !listing.loading);
  }

  /**
   * Folders first, then by name (numbers in names compared as numbers).
   */
  export function sorted(files: IArtifactInfo[]): IArtifactInfo[] {
    return files.slice().sort((a, b) => {
      if (a.is_dir !== b.is_dir) {
        return a.is_dir ? -1 : 1;
      }
      return baseName(a.path).localeCompare(baseName(b.path), undefined, {
        numeric: true
      });
    });
  }
}
