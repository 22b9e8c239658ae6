import { DSVModel } from '@jupyterlab/csvviewer';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

const TABLE_WRAPPER_CLASS = 'jp-mlp-CsvTable';
const TABLE_CLASS = 'jp-mlp-CsvTable-table';
const NOTE_CLASS = 'jp-mlp-CsvTable-note';

/**
 * Rows shown at most; the rest are counted, not rendered.
 */
export const CSV_MAX_ROWS = 1000;

export interface ICsvTableProps {
  text: string;
  /** `,` for CSV, a tab for TSV. */
  delimiter: string;
  trans: TranslationBundle;
  /** Defaults to `CSV_MAX_ROWS`. */
  maxRows?: number;
}

interface IParsedTable {
  header: string[];
  rows: string[][];
  /** Data rows in the file (the header excluded). */
  total: number;
}

/**
 * A delimiter-separated file as an HTML table: the first row as the header,
 * then the first `maxRows` rows, parsed by JupyterLab's CSV viewer model.
 */
export function CsvTable(props: ICsvTableProps): JSX.Element {
  const { text, delimiter, trans } = props;
  const maxRows = props.maxRows ?? CSV_MAX_ROWS;
  const [table, setTable] = React.useState<IParsedTable | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  React.useEffect(() => {
    let cancelled = false;
    setTable(null);
    setError(null);
    Private.parse(text, delimiter, maxRows)
      .then(parsed => {
        if (!cancelled) {
          setTable(parsed);
        }
      })
      .catch((reason: unknown) => {
        if (!cancelled) {
          setError(reason instanceof Error ? reason.message : String(reason));
        }
      });
    return () => {
      cancelled = true;
    };
  }, [text, delimiter, maxRows]);

  if (error !== null) {
    return (
      <p className={NOTE_CLASS} role="alert">
        {trans.__('Could not parse the table: %1', error)}
      </p>
    );
  }
  if (table === null) {
    return <p className={NOTE_CLASS}>{trans.__('Parsing…')}</p>;
  }
  return (
    <div className={TABLE_WRAPPER_CLASS}>
      <p className={NOTE_CLASS}>
        {table.rows.length < table.total
          ? trans.__('Showing %1 of %2 rows', table.rows.length, table.total)
          : trans._n('%1 row', '%1 rows', table.total)}
      </p>
      <table className={TABLE_CLASS}>
        <thead>
          <tr>
            {table.header.map((name, column) => (
              <th key={column} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, index) => (
            <tr key={index}>
              {row.map((cell, column) => (
                <td key={column}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

namespace Private {
  /**
   * The header, the first `maxRows` rows and the row count of `text`.
   */
  export function parse(
    text: string,
    delimiter: string,
    maxRows: number
  ): Promise<IParsedTable> {
    const model = new DSVModel({ data: text, delimiter, header: true });
    // The first rows are parsed at once, the rest in timed chunks.
    return model.ready
      .then(() => read(model, maxRows))
      .finally(() => model.dispose());
  }

  function read(model: DSVModel, maxRows: number): IParsedTable {
    const total = model.rowCount('body');
    const columns = model.columnCount('body');
    const rows: string[][] = [];
    for (let row = 0; row < Math.min(total, maxRows); row++) {
      const cells: string[] = [];
      for (let column = 0; column < columns; column++) {
        cells.push(model.data('body', row, column));
      }
      rows.push(cells);
    }
    return { header: model.header.slice(), rows, total };
  }
}
