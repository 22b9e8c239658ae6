import { Clipboard } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon, downloadIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONValue } from '@lumino/coreutils';
import * as React from 'react';

import { TrackingClient } from '../../../api/tracking';
import { CsvTable } from './CsvTable';
import {
  decodeText,
  FetchedArtifact,
  fetchArtifact,
  toBase64
} from './fetchArtifact';
import { formatSize } from '../../format';
import { MimeRenderer } from './MimeRenderer';
import { NotebookPreview } from './NotebookPreview';
import { IPreviewSpec, previewKind, previewLimit } from './previewKind';
import { baseName } from './useArtifactTree';

const PREVIEW_CLASS = 'jp-mlp-ArtifactPreview';
const HEADER_CLASS = 'jp-mlp-ArtifactPreview-header';
const PATH_CLASS = 'jp-mlp-ArtifactPreview-path';
const SIZE_CLASS = 'jp-mlp-ArtifactPreview-size';
const ACTION_CLASS = 'jp-mlp-ArtifactPreview-action';
const BODY_CLASS = 'jp-mlp-ArtifactPreview-body';
const MESSAGE_CLASS = 'jp-mlp-ArtifactPreview-message';
const ERROR_CLASS = 'jp-mlp-ArtifactPreview-error';
const TEXT_CLASS = 'jp-mlp-ArtifactPreview-text';
const IMAGE_CLASS = 'jp-mlp-ArtifactPreview-image';

export interface IArtifactPreviewProps {
  client: TrackingClient;
  runId: string;
  /** The file, relative to the run's artifact root. */
  path: string;
  /** The size from the listing; `null` or absent when unknown. */
  size?: number | null;
  /** `null` → text-only previews. */
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
  /** Change it to download the file again. */
  reloadToken?: number;
}

type PreviewState =
  | { status: 'loading' }
  | { status: 'binary' }
  | { status: 'too-large'; size: number | null }
  | { status: 'error'; message: string }
  | { status: 'ready'; bytes: Uint8Array };

/**
 * One artifact file: its path, a download link, "Copy path" and a preview
 * chosen by `previewKind`.
 *
 * Binary files are never downloaded; files over the preview limit are not
 * either when the listing gave their size, and the download stops at the
 * limit otherwise. Failures are shown in place.
 */
export function ArtifactPreview(props: IArtifactPreviewProps): JSX.Element {
  const { client, runId, path, size, rendermime, trans, reloadToken } = props;
  const spec = React.useMemo(() => previewKind(path), [path]);
  const limit = previewLimit(spec.kind);
  const [state, setState] = React.useState<PreviewState>({
    status: 'loading'
  });

  React.useEffect(() => {
    if (spec.kind === 'binary') {
      setState({ status: 'binary' });
      return;
    }
    if (typeof size === 'number' && size > limit) {
      setState({ status: 'too-large', size });
      return;
    }
    setState({ status: 'loading' });
    const controller = new AbortController();
    void fetchArtifact(client, runId, path, {
      maxBytes: limit,
      signal: controller.signal
    }).then((result: FetchedArtifact) => {
      if (controller.signal.aborted) {
        return;
      }
      switch (result.status) {
        case 'ok':
          setState({ status: 'ready', bytes: result.bytes });
          break;
        case 'too-large':
          setState({ status: 'too-large', size: result.size ?? size ?? null });
          break;
        case 'error':
          setState({ status: 'error', message: result.message });
          break;
      }
    });
    return () => controller.abort();
  }, [client, runId, path, size, spec, limit, reloadToken]);

  const url = client.artifactUrl(runId, path);
  const download = (
    <a
      className={ACTION_CLASS}
      href={url}
      download={baseName(path)}
      title={trans.__('Download %1', path)}
    >
      <downloadIcon.react tag="span" />
      {trans.__('Download')}
    </a>
  );

  return (
    <div className={PREVIEW_CLASS}>
      <div className={HEADER_CLASS}>
        <span className={PATH_CLASS} title={path}>
          {path}
        </span>
        {typeof size === 'number' && (
          <span className={SIZE_CLASS}>{formatSize(size, trans)}</span>
        )}
        {download}
        <button
          type="button"
          className={ACTION_CLASS}
          title={trans.__('Copy the artifact path')}
          onClick={() => Clipboard.copyToSystem(path)}
        >
          <copyIcon.react tag="span" />
          {trans.__('Copy path')}
        </button>
      </div>
      <div className={BODY_CLASS} aria-busy={state.status === 'loading'}>
        <PreviewBody
          state={state}
          spec={spec}
          limit={limit}
          rendermime={rendermime}
          trans={trans}
          download={download}
        />
      </div>
    </div>
  );
}

function PreviewBody(props: {
  state: PreviewState;
  spec: IPreviewSpec;
  limit: number;
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
  download: JSX.Element;
}): JSX.Element {
  const { state, spec, limit, rendermime, trans, download } = props;
  switch (state.status) {
    case 'loading':
      return <p className={MESSAGE_CLASS}>{trans.__('Loading…')}</p>;
    case 'binary':
      return (
        <p className={MESSAGE_CLASS}>
          {trans.__('No preview for this type of file.')} {download}
        </p>
      );
    case 'too-large':
      return (
        <p className={MESSAGE_CLASS}>
          {state.size !== null
            ? trans.__(
                'This file is too large to preview (%1; the limit is %2).',
                formatSize(state.size, trans),
                formatSize(limit, trans)
              )
            : trans.__(
                'This file is too large to preview (over %1).',
                formatSize(limit, trans)
              )}{' '}
          {download}
        </p>
      );
    case 'error':
      return (
        <p className={`${MESSAGE_CLASS} ${ERROR_CLASS}`} role="alert">
          {trans.__('Could not load the artifact: %1', state.message)}
        </p>
      );
    case 'ready':
      return (
        <FileContent
          bytes={state.bytes}
          spec={spec}
          rendermime={rendermime}
          trans={trans}
        />
      );
  }
}

/**
 * The preview of a downloaded file.
 */
function FileContent(props: {
  bytes: Uint8Array;
  spec: IPreviewSpec;
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { bytes, spec, rendermime, trans } = props;
  const isImage = spec.kind === 'image';
  // Images as base64, everything else as text; JSON parsed once.
  const data = React.useMemo(
    () => (isImage ? toBase64(bytes) : decodeText(bytes)),
    [bytes, isImage]
  );
  const json = React.useMemo(
    () => (spec.kind === 'json' ? Private.parseJSON(data) : null),
    [data, spec.kind]
  );

  switch (spec.kind) {
    case 'csv':
      return (
        <CsvTable text={data} delimiter={spec.delimiter ?? ','} trans={trans} />
      );
    case 'notebook':
      return (
        <NotebookPreview text={data} rendermime={rendermime} trans={trans} />
      );
    case 'image':
    case 'svg':
      if (!rendermime) {
        const source = spec.kind === 'image' ? data : toBase64(bytes);
        return (
          <img
            className={IMAGE_CLASS}
            alt=""
            src={`data:${spec.mimeType};base64,${source}`}
          />
        );
      }
      break;
    case 'json':
      if (json && 'error' in json) {
        return (
          <>
            <p className={`${MESSAGE_CLASS} ${ERROR_CLASS}`} role="alert">
              {trans.__('Invalid JSON: %1', json.error)}
            </p>
            <pre className={TEXT_CLASS}>{data}</pre>
          </>
        );
      }
      break;
  }
  if (!rendermime) {
    return <pre className={TEXT_CLASS}>{data}</pre>;
  }
  return (
    <MimeRenderer
      rendermime={rendermime}
      mimeType={spec.mimeType}
      data={json && 'value' in json ? json.value : data}
      trans={trans}
    />
  );
}

namespace Private {
  export function parseJSON(
    text: string
  ): { value: ReadonlyPartialJSONValue } | { error: string } {
    try {
      return { value: JSON.parse(text) as ReadonlyPartialJSONValue };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }
}
