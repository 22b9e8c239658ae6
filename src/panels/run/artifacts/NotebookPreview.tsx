import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  PartialJSONObject,
  ReadonlyPartialJSONObject,
  ReadonlyPartialJSONValue
} from '@lumino/coreutils';
import * as React from 'react';

import { MimeRenderer } from './MimeRenderer';

const NOTEBOOK_CLASS = 'jp-mlp-NotebookPreview';
const CELL_CLASS = 'jp-mlp-NotebookPreview-cell';
const SOURCE_CLASS = 'jp-mlp-NotebookPreview-source';
const OUTPUT_CLASS = 'jp-mlp-NotebookPreview-output';
const NOTE_CLASS = 'jp-mlp-NotebookPreview-note';

export interface INotebookPreviewProps {
  /** The `.ipynb` file's text. */
  text: string;
  /** `null` shows sources and the text form of outputs only. */
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
}

/**
 * A read-only rendering of a notebook: Markdown cells through the Markdown
 * renderer, code cells as source plus their outputs, all untrusted.
 */
export function NotebookPreview(props: INotebookPreviewProps): JSX.Element {
  const { text, rendermime, trans } = props;
  const parsed = React.useMemo(() => Private.parse(text), [text]);
  if (typeof parsed === 'string') {
    return (
      <p className={NOTE_CLASS} role="alert">
        {trans.__('This is not a valid notebook: %1', parsed)}
      </p>
    );
  }
  if (parsed.cells.length === 0) {
    return <p className={NOTE_CLASS}>{trans.__('The notebook is empty.')}</p>;
  }
  return (
    <div className={NOTEBOOK_CLASS}>
      {parsed.cells.map((cell, index) => (
        <div
          key={index}
          className={`${CELL_CLASS} ${CELL_CLASS}-${cell.type}`}
          data-cell-type={cell.type}
        >
          {cell.type === 'markdown' && rendermime ? (
            <MimeRenderer
              rendermime={rendermime}
              mimeType="text/markdown"
              data={cell.source}
              trans={trans}
            />
          ) : (
            <pre className={SOURCE_CLASS}>{cell.source}</pre>
          )}
          {cell.outputs.map((output, outputIndex) => (
            <Output
              key={outputIndex}
              output={output}
              rendermime={rendermime}
              trans={trans}
            />
          ))}
        </div>
      ))}
    </div>
  );
}

function Output(props: {
  output: Private.IOutput;
  rendermime: IRenderMimeRegistry | null;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { output, rendermime, trans } = props;
  const { bundle, metadata } = output;
  const mimeType = rendermime
    ? rendermime.preferredMimeType(bundle, 'prefer')
    : undefined;
  if (rendermime && mimeType) {
    const data = bundle[mimeType];
    const meta = metadata[mimeType];
    return (
      <MimeRenderer
        className={OUTPUT_CLASS}
        rendermime={rendermime}
        mimeType={mimeType}
        data={data === undefined ? null : data}
        metadata={Private.isObject(meta) ? meta : undefined}
        trans={trans}
      />
    );
  }
  const plain = Private.plainText(bundle);
  if (plain === null) {
    return (
      <p className={NOTE_CLASS}>
        {trans.__(
          'Output not shown (%1)',
          Object.keys(bundle).join(', ') || trans.__('empty')
        )}
      </p>
    );
  }
  return <pre className={OUTPUT_CLASS}>{plain}</pre>;
}

namespace Private {
  export interface IOutput {
    /** Mime type → data, as `display_data` has it (streams and errors mapped). */
    bundle: ReadonlyPartialJSONObject;
    metadata: ReadonlyPartialJSONObject;
  }

  export interface ICell {
    type: 'markdown' | 'code' | 'raw';
    source: string;
    outputs: IOutput[];
  }

  /**
   * The cells of an nbformat 4 document, or a description of what is wrong.
   */
  export function parse(text: string): { cells: ICell[] } | string {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    if (!isObject(document) || !Array.isArray(document.cells)) {
      return 'no "cells" list (only nbformat 4 is supported)';
    }
    return { cells: document.cells.filter(isObject).map(toCell) };
  }

  function toCell(cell: ReadonlyPartialJSONObject): ICell {
    const type =
      cell.cell_type === 'markdown' || cell.cell_type === 'raw'
        ? cell.cell_type
        : 'code';
    const outputs =
      type === 'code' && Array.isArray(cell.outputs)
        ? cell.outputs.filter(isObject).map(toOutput)
        : [];
    return { type, source: multiline(cell.source), outputs };
  }

  function toOutput(output: ReadonlyPartialJSONObject): IOutput {
    const metadata = isObject(output.metadata) ? output.metadata : {};
    switch (output.output_type) {
      case 'stream': {
        const mimeType =
          output.name === 'stderr'
            ? 'application/vnd.jupyter.stderr'
            : 'application/vnd.jupyter.stdout';
        return { bundle: { [mimeType]: multiline(output.text) }, metadata };
      }
      case 'error': {
        const traceback = Array.isArray(output.traceback)
          ? output.traceback.filter(line => typeof line === 'string')
          : [];
        const text =
          traceback.length > 0
            ? traceback.join('\n')
            : `${String(output.ename ?? '')}: ${String(output.evalue ?? '')}`;
        return {
          bundle: { 'application/vnd.jupyter.stderr': text },
          metadata
        };
      }
      default: {
        // execute_result, display_data, update_display_data
        const bundle: PartialJSONObject = {};
        const data = isObject(output.data) ? output.data : {};
        for (const [mimeType, value] of Object.entries(data)) {
          if (value !== undefined) {
            bundle[mimeType] =
              isJSONType(mimeType) || !Array.isArray(value)
                ? (value as PartialJSONObject[string])
                : multiline(value);
          }
        }
        return { bundle, metadata };
      }
    }
  }

  /**
   * The text of an output without a renderer registry: the plain text or
   * stream, else `null`.
   */
  export function plainText(bundle: ReadonlyPartialJSONObject): string | null {
    for (const mimeType of [
      'text/plain',
      'application/vnd.jupyter.stdout',
      'application/vnd.jupyter.stderr'
    ]) {
      const value = bundle[mimeType];
      if (typeof value === 'string') {
        return value;
      }
    }
    return null;
  }

  /**
   * nbformat's multiline string: a string or a list of lines.
   */
  function multiline(value: ReadonlyPartialJSONValue | undefined): string {
    if (typeof value === 'string') {
      return value;
    }
    if (Array.isArray(value)) {
      return value.filter(line => typeof line === 'string').join('');
    }
    return '';
  }

  function isJSONType(mimeType: string): boolean {
    return mimeType === 'application/json' || mimeType.endsWith('+json');
  }

  export function isObject(value: unknown): value is ReadonlyPartialJSONObject {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}
