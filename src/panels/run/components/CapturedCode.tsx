import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  CAPTURE_DIR,
  CAPTURED_FILES,
  ICapturedFile
} from '../../../api/capture';
import { TrackingClient } from '../../../api/tracking';
import { decodeText, fetchArtifact } from '../artifacts/fetchArtifact';
import { MimeRenderer } from '../artifacts/MimeRenderer';

const CODE_CLASS = 'jp-mlp-CapturedCode';
const FILE_CLASS = 'jp-mlp-CapturedCode-file';
const EMPTY_CLASS = 'jp-mlp-CapturedCode-empty';

/** The most bytes shown of one captured file. */
const MAX_BYTES = 1024 * 1024;

export interface ICapturedCodeProps {
  client: TrackingClient;
  runId: string;
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
}

interface ILoaded {
  file: ICapturedFile;
  text: string;
}

/**
 * The code, code path, git diff, environment and output that automatic
 * tracking captured for the run, whichever exist, highlighted by
 * JupyterLab's Markdown renderer.
 */
export function CapturedCode(props: ICapturedCodeProps): JSX.Element {
  const { client, runId, rendermime, trans } = props;
  const [files, setFiles] = React.useState<ILoaded[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  React.useEffect(() => {
    let cancelled = false;
    const load = async (): Promise<void> => {
      const listing = await client.listArtifacts(runId, CAPTURE_DIR);
      const present = new Set(listing.files.map(f => f.path));
      const wanted = CAPTURED_FILES.filter(f => present.has(f.path));
      const loaded: ILoaded[] = [];
      for (const file of wanted) {
        const fetched = await fetchArtifact(client, runId, file.path, {
          maxBytes: MAX_BYTES
        });
        if (fetched.status === 'ok') {
          loaded.push({ file, text: decodeText(fetched.bytes) });
        } else if (fetched.status === 'too-large') {
          loaded.push({
            file,
            text: trans.__('(larger than 1 MB: download it from Artifacts)')
          });
        }
      }
      if (!cancelled) {
        setFiles(loaded);
      }
    };
    load().catch(reason => {
      if (cancelled) {
        return;
      }
      // A run without captured files has no such folder: that is no error.
      if (reason?.response?.status === 404) {
        setFiles([]);
      } else {
        setError(reason instanceof Error ? reason.message : String(reason));
      }
    });
    return () => {
      cancelled = true;
    };
  }, [client, runId]);

  if (error !== null) {
    return (
      <p className={EMPTY_CLASS} role="alert">
        {error}
      </p>
    );
  }
  if (files === null) {
    return <p className={EMPTY_CLASS}>{trans.__('Loading…')}</p>;
  }
  if (files.length === 0) {
    return (
      <p className={EMPTY_CLASS}>
        {trans.__(
          'No captured code or environment: this run was logged without automatic tracking.'
        )}
      </p>
    );
  }
  return (
    <div className={CODE_CLASS}>
      {files.map(({ file, text }) => (
        <section key={file.path} className={FILE_CLASS}>
          <h3>{file.path.slice(CAPTURE_DIR.length + 1)}</h3>
          {rendermime ? (
            <MimeRenderer
              rendermime={rendermime}
              mimeType="text/markdown"
              data={fenced(text, file.language)}
              trans={trans}
            />
          ) : (
            <pre>{text}</pre>
          )}
        </section>
      ))}
    </div>
  );
}

/** A Markdown code block that no content can close early. */
function fenced(text: string, language: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map(m => m.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language === 'text' ? '' : language}\n${text}\n${fence}\n`;
}
