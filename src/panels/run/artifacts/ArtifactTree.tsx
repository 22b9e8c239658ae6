import { TranslationBundle } from '@jupyterlab/translation';
import {
  caretDownIcon,
  caretRightIcon,
  fileIcon,
  folderIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { formatSize } from '../../format';
import { baseName, IArtifactTree, parentFolder } from './useArtifactTree';

const TREE_CLASS = 'jp-mlp-ArtifactTree';
const ITEM_CLASS = 'jp-mlp-ArtifactTree-item';
const CARET_CLASS = 'jp-mlp-ArtifactTree-caret';
const ICON_CLASS = 'jp-mlp-ArtifactTree-icon';
const NAME_CLASS = 'jp-mlp-ArtifactTree-name';
const SIZE_CLASS = 'jp-mlp-ArtifactTree-size';
const STATUS_CLASS = 'jp-mlp-ArtifactTree-status';
const SELECTED_CLASS = 'jp-mod-selected';

/** Indentation of one tree level, in pixels. */
const INDENT = 12;

export interface IArtifactTreeProps {
  tree: IArtifactTree;
  /** The file shown in the preview. */
  selected: string | null;
  /** A file was chosen (click or Enter). */
  onSelect: (path: string) => void;
  trans: TranslationBundle;
}

/**
 * A row of the flattened tree: an artifact, or the status of a folder.
 */
type Row =
  | {
      type: 'item';
      path: string;
      isDir: boolean;
      size: number | null | undefined;
      level: number;
      position: number;
      setSize: number;
    }
  | { type: 'status'; key: string; level: number; text: string };

/**
 * The run's artifacts as a tree (WAI-ARIA tree pattern, rows flattened with
 * `aria-level`): one tab stop, arrows move and expand, Enter opens.
 */
export function ArtifactTree(props: IArtifactTreeProps): JSX.Element {
  const { tree, selected, onSelect, trans } = props;
  const rows = visibleRows(tree, trans);
  const items = rows.filter(
    (row): row is Extract<Row, { type: 'item' }> => row.type === 'item'
  );
  const [focused, setFocused] = React.useState<string | null>(null);
  const listRef = React.useRef<HTMLUListElement>(null);
  // Set when the keyboard moved the focus, so the DOM focus follows.
  const moveFocus = React.useRef(false);

  // The single tab stop: the focused row while it is visible, else the
  // selected one, else the first.
  const tabStop =
    items.find(item => item.path === focused)?.path ??
    items.find(item => item.path === selected)?.path ??
    items[0]?.path ??
    null;

  React.useEffect(() => {
    if (!moveFocus.current || tabStop === null) {
      return;
    }
    moveFocus.current = false;
    const node = Array.from(
      listRef.current?.querySelectorAll<HTMLElement>(`.${ITEM_CLASS}`) ?? []
    ).find(element => element.dataset.path === tabStop);
    node?.focus();
  });

  const focus = (path: string) => {
    moveFocus.current = true;
    setFocused(path);
  };

  const activate = (item: Extract<Row, { type: 'item' }>) => {
    if (item.isDir) {
      if (tree.expanded.has(item.path)) {
        tree.collapse(item.path);
      } else {
        tree.expand(item.path);
      }
    } else {
      onSelect(item.path);
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>(
      `.${ITEM_CLASS}`
    );
    const current = target?.dataset.path ?? tabStop;
    const index = items.findIndex(item => item.path === current);
    const item = items[index];
    if (!item) {
      return;
    }
    const open = item.isDir && tree.expanded.has(item.path);
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
        if (index < items.length - 1) {
          focus(items[index + 1].path);
        }
        break;
      case 'ArrowUp':
        if (index > 0) {
          focus(items[index - 1].path);
        }
        break;
      case 'Home':
        focus(items[0].path);
        break;
      case 'End':
        focus(items[items.length - 1].path);
        break;
      case 'ArrowRight':
        if (item.isDir && !open) {
          tree.expand(item.path);
        } else if (open && items[index + 1]?.level === item.level + 1) {
          focus(items[index + 1].path);
        }
        break;
      case 'ArrowLeft':
        if (open) {
          tree.collapse(item.path);
        } else if (item.level > 1) {
          focus(parentFolder(item.path));
        }
        break;
      case 'Enter':
      case ' ':
        activate(item);
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  return (
    <ul
      ref={listRef}
      className={TREE_CLASS}
      role="tree"
      aria-label={trans.__('Artifacts')}
      onKeyDown={onKeyDown}
    >
      {rows.map(row =>
        row.type === 'status' ? (
          <li
            key={row.key}
            role="none"
            className={STATUS_CLASS}
            style={{ paddingLeft: (row.level - 1) * INDENT }}
          >
            {row.text}
          </li>
        ) : (
          <li
            key={row.path}
            role="treeitem"
            data-path={row.path}
            className={
              row.path === selected
                ? `${ITEM_CLASS} ${SELECTED_CLASS}`
                : ITEM_CLASS
            }
            style={{ paddingLeft: (row.level - 1) * INDENT }}
            tabIndex={row.path === tabStop ? 0 : -1}
            aria-level={row.level}
            aria-posinset={row.position}
            aria-setsize={row.setSize}
            aria-expanded={row.isDir ? tree.expanded.has(row.path) : undefined}
            aria-selected={row.isDir ? undefined : row.path === selected}
            title={row.path}
            onClick={() => {
              setFocused(row.path);
              activate(row);
            }}
          >
            <span className={CARET_CLASS}>
              {row.isDir &&
                (tree.expanded.has(row.path) ? (
                  <caretDownIcon.react tag="span" />
                ) : (
                  <caretRightIcon.react tag="span" />
                ))}
            </span>
            {row.isDir ? (
              <folderIcon.react tag="span" className={ICON_CLASS} />
            ) : (
              <fileIcon.react tag="span" className={ICON_CLASS} />
            )}
            <span className={NAME_CLASS}>{baseName(row.path)}</span>
            {!row.isDir && (
              <span className={SIZE_CLASS}>{formatSize(row.size, trans)}</span>
            )}
          </li>
        )
      )}
    </ul>
  );
}

/**
 * The rows on screen: the root's entries and, below each expanded folder,
 * its entries or its status (loading, failed, empty).
 */
function visibleRows(tree: IArtifactTree, trans: TranslationBundle): Row[] {
  const rows: Row[] = [];
  const addFolder = (folder: string, level: number) => {
    const listing = tree.listings.get(folder);
    const files = listing?.files;
    if (!files) {
      if (folder !== '') {
        rows.push({
          type: 'status',
          key: `${folder}/:status`,
          level,
          text: listing?.error
            ? trans.__('Could not list this folder: %1', listing.error)
            : trans.__('Loading…')
        });
      }
      return;
    }
    if (listing.error && folder !== '') {
      // A failed refresh: the previous entries stay.
      rows.push({
        type: 'status',
        key: `${folder}/:status`,
        level,
        text: trans.__('Could not list this folder: %1', listing.error)
      });
    } else if (files.length === 0 && folder !== '') {
      rows.push({
        type: 'status',
        key: `${folder}/:status`,
        level,
        text: trans.__('Empty folder')
      });
    }
    files.forEach((file, index) => {
      rows.push({
        type: 'item',
        path: file.path,
        isDir: file.is_dir,
        size: file.size,
        level,
        position: index + 1,
        setSize: files.length
      });
      if (file.is_dir && tree.expanded.has(file.path)) {
        addFolder(file.path, level + 1);
      }
    });
  };
  addFolder('', 1);
  return rows;
}
