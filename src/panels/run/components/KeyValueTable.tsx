import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

const TABLE_CLASS = 'jp-mlp-KeyValueTable';
const EMPTY_CLASS = 'jp-mlp-KeyValueTable-empty';

export interface IKeyValueRow {
  key: string;
  /** Cells after the key. */
  values: readonly React.ReactNode[];
}

export interface IKeyValueTableProps {
  caption: string;
  /** Headers after "Key". */
  headers: readonly string[];
  rows: readonly IKeyValueRow[];
  /** Shown instead of the table when there are no rows. */
  empty: string;
  trans: TranslationBundle;
}

/**
 * A sortable-by-key table of params, tags or latest metric values, with a
 * filter once it has more than a screenful of rows.
 */
export function KeyValueTable(props: IKeyValueTableProps): JSX.Element {
  const { caption, headers, rows, trans } = props;
  const [needle, setNeedle] = React.useState('');
  if (rows.length === 0) {
    return <p className={EMPTY_CLASS}>{props.empty}</p>;
  }
  const shown = needle
    ? rows.filter(r => r.key.toLowerCase().includes(needle.toLowerCase()))
    : rows;
  return (
    <div className={TABLE_CLASS}>
      {rows.length > 12 && (
        <input
          type="search"
          value={needle}
          placeholder={trans.__('Filter %1', caption.toLowerCase())}
          aria-label={trans.__('Filter %1', caption.toLowerCase())}
          onChange={event => setNeedle(event.target.value)}
        />
      )}
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{trans.__('Key')}</th>
            {headers.map(h => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map(row => (
            <tr key={row.key}>
              <th scope="row">{row.key}</th>
              {row.values.map((value, i) => (
                <td key={i}>{value}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
