import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { TrackingClient } from '../../../api/tracking';
import { IconButton } from '../../IconButton';
import { ArtifactPreview } from './ArtifactPreview';
import { ArtifactTree } from './ArtifactTree';
import {
  IArtifactTree,
  parentFolder,
  useArtifactTree
} from './useArtifactTree';

const BROWSER_CLASS = 'jp-mlp-ArtifactBrowser';
const SIDE_CLASS = 'jp-mlp-ArtifactBrowser-side';
const TOOLBAR_CLASS = 'jp-mlp-ArtifactBrowser-toolbar';
const TITLE_CLASS = 'jp-mlp-ArtifactBrowser-title';
const MAIN_CLASS = 'jp-mlp-ArtifactBrowser-main';
const STATUS_CLASS = 'jp-mlp-ArtifactBrowser-status';
const ERROR_CLASS = 'jp-mlp-ArtifactBrowser-error';

export interface IArtifactBrowserProps {
  client: TrackingClient;
  runId: string;
  /** `null` → text-only fallback previews. */
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
  /** A file to preview first (its folders are expanded). */
  initialPath?: string;
}

/**
 * The artifacts of one run: a lazily listed tree on the left, the preview of
 * the selected file on the right.
 */
export function ArtifactBrowser(props: IArtifactBrowserProps): JSX.Element {
  // A new run starts from a clean tree.
  return <RunArtifacts key={props.runId} {...props} />;
}

function RunArtifacts(props: IArtifactBrowserProps): JSX.Element {
  const { client, runId, trans, initialPath } = props;
  const tree = useArtifactTree(client, runId);
  const [selected, setSelected] = React.useState<string | null>(
    initialPath || null
  );
  const [reloadToken, setReloadToken] = React.useState(0);
  const { reveal } = tree;

  React.useEffect(() => {
    if (initialPath) {
      setSelected(initialPath);
      void reveal(initialPath);
    }
  }, [initialPath, reveal]);

  const root = tree.listings.get('');
  const refreshing = [...tree.listings.values()].some(
    listing => listing.loading
  );

  const refresh = () => {
    tree.refresh();
    setReloadToken(token => token + 1);
  };

  let treeContent: JSX.Element;
  if (!root || (root.files === null && root.loading)) {
    treeContent = <p className={STATUS_CLASS}>{trans.__('Loading…')}</p>;
  } else if (root.files !== null && root.files.length > 0) {
    treeContent = (
      <ArtifactTree
        tree={tree}
        selected={selected}
        onSelect={setSelected}
        trans={trans}
      />
    );
  } else if (root.files !== null) {
    treeContent = <p className={STATUS_CLASS}>{trans.__('No artifacts')}</p>;
  } else {
    treeContent = <></>;
  }

  return (
    <div className={BROWSER_CLASS}>
      <div className={SIDE_CLASS}>
        <div className={TOOLBAR_CLASS}>
          <span className={TITLE_CLASS}>{trans.__('Artifacts')}</span>
          <IconButton
            label={trans.__('Refresh the artifacts')}
            disabled={refreshing}
            onClick={refresh}
          >
            <refreshIcon.react tag="span" />
          </IconButton>
        </div>
        {root?.error && (
          <p className={`${STATUS_CLASS} ${ERROR_CLASS}`} role="alert">
            {trans.__('Could not list the artifacts: %1', root.error)}
          </p>
        )}
        {treeContent}
      </div>
      <div className={MAIN_CLASS}>
        <SelectedFile
          {...props}
          tree={tree}
          path={selected}
          reloadToken={reloadToken}
        />
      </div>
    </div>
  );
}

/**
 * The preview of the selected file, once its folder's listing (and so its
 * size) is known.
 */
function SelectedFile(
  props: IArtifactBrowserProps & {
    tree: IArtifactTree;
    path: string | null;
    reloadToken: number;
  }
): JSX.Element {
  const { client, runId, rendermime, trans, tree, path, reloadToken } = props;
  if (path === null) {
    return (
      <p className={STATUS_CLASS}>{trans.__('Select a file to preview it.')}</p>
    );
  }
  const listing = tree.listings.get(parentFolder(path));
  if (!listing || (listing.files === null && listing.loading)) {
    return <p className={STATUS_CLASS}>{trans.__('Loading…')}</p>;
  }
  // Not listed (a stale link, or the folder could not be listed): the
  // download tells.
  const info = listing.files?.find(file => file.path === path);
  if (info?.is_dir) {
    return (
      <p className={STATUS_CLASS}>{trans.__('Select a file to preview it.')}</p>
    );
  }
  return (
    <ArtifactPreview
      client={client}
      runId={runId}
      path={path}
      size={info?.size ?? null}
      rendermime={rendermime}
      trans={trans}
      reloadToken={reloadToken}
    />
  );
}
