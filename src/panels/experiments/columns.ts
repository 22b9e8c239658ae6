/*
 * Columns of the runs table: run attributes and any param, metric or tag.
 *
 * A column's id is the identifier the search grammar uses for it
 * (`attributes.start_time`, `params.lr`, `metrics.val loss`), so sorting by a
 * column is one `order_by` item and the filter box speaks the same names.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { IRun, IRunKeys, metricValueToNumber } from '../../api/tracking';
import { formatDuration, formatMetric, formatTime } from '../format';

export type ColumnKind = 'attribute' | 'param' | 'metric' | 'tag';

/**
 * A cell's raw value: what CSV export writes and what "only differences"
 * compares. `null` when the run has no value.
 */
export type CellValue = string | number | null;

export interface IColumn {
  /** `attributes.<name>`, `params.<key>`, `metrics.<key>` or `tags.<key>`. */
  readonly id: string;
  readonly kind: ColumnKind;
  /** The attribute name, or the param/metric/tag key. */
  readonly key: string;
  /** The header text. */
  readonly label: string;
  /** The `order_by` expression without direction, or null when unsortable. */
  readonly sortKey: string | null;
  /** Numbers sort descending first and align right. */
  readonly numeric: boolean;
  /** The default width in pixels. */
  readonly width: number;
  value(run: IRun): CellValue;
  /** The text shown in the cell. */
  format(run: IRun): string;
}

/**
 * The attribute columns, in their default order.
 */
export const ATTRIBUTE_NAMES = [
  'run_name',
  'status',
  'user',
  'start_time',
  'duration',
  'source_notebook',
  'run_id',
  'experiment_id'
] as const;

export type AttributeName = (typeof ATTRIBUTE_NAMES)[number];

/**
 * The columns shown before the user picks any.
 */
export const DEFAULT_ATTRIBUTE_COLUMNS: readonly string[] = [
  'attributes.run_name',
  'attributes.status',
  'attributes.user',
  'attributes.start_time',
  'attributes.duration',
  'attributes.source_notebook'
];

/**
 * Params and metrics shown by default, each, when the user has not chosen.
 */
export const DEFAULT_KEY_COLUMNS = 6;

const PREFIX: Record<ColumnKind, string> = {
  attribute: 'attributes',
  param: 'params',
  metric: 'metrics',
  tag: 'tags'
};

/**
 * The column id of an attribute or key.
 */
export function columnId(kind: ColumnKind, key: string): string {
  return `${PREFIX[kind]}.${key}`;
}

/**
 * Split a column id into its kind and key, or null when it is not one.
 */
export function parseColumnId(
  id: string
): { kind: ColumnKind; key: string } | null {
  const dot = id.indexOf('.');
  if (dot <= 0) {
    return null;
  }
  const prefix = id.slice(0, dot);
  const key = id.slice(dot + 1);
  const kind = (Object.keys(PREFIX) as ColumnKind[]).find(
    k => PREFIX[k] === prefix
  );
  return kind && key ? { kind, key } : null;
}

/**
 * An identifier of the search grammar: backtick-quoted when the key is not a
 * plain name (spaces, dashes, dots...).
 */
export function searchIdentifier(kind: ColumnKind, key: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
  return `${PREFIX[kind]}.${plain ? key : '`' + key.replace(/`/g, '') + '`'}`;
}

/**
 * Build the column for an id (attributes must be known names).
 */
export function makeColumn(
  id: string,
  trans: TranslationBundle
): IColumn | null {
  const parsed = parseColumnId(id);
  if (!parsed) {
    return null;
  }
  const { kind, key } = parsed;
  switch (kind) {
    case 'attribute':
      return attributeColumn(key, trans);
    case 'metric':
      return {
        id,
        kind,
        key,
        label: key,
        sortKey: searchIdentifier(kind, key),
        numeric: true,
        width: 110,
        value: run => {
          const metric = run.metrics[key];
          return metric ? metricValueToNumber(metric.value) : null;
        },
        format: run => {
          const metric = run.metrics[key];
          return metric ? formatMetric(metric.value) : '';
        }
      };
    case 'param':
    case 'tag': {
      const values = (run: IRun) =>
        kind === 'param' ? run.params[key] : run.tags[key];
      return {
        id,
        kind,
        key,
        label: key,
        sortKey: searchIdentifier(kind, key),
        numeric: false,
        width: 110,
        value: run => values(run) ?? null,
        format: run => values(run) ?? ''
      };
    }
  }
}

/**
 * The ids of every column the keys allow, attributes first.
 */
export function availableColumnIds(keys: IRunKeys): {
  attributes: string[];
  params: string[];
  metrics: string[];
  tags: string[];
} {
  return {
    attributes: ATTRIBUTE_NAMES.map(name => columnId('attribute', name)),
    params: keys.params.map(key => columnId('param', key)),
    metrics: keys.metrics.map(key => columnId('metric', key)),
    tags: keys.tags.map(key => columnId('tag', key))
  };
}

/**
 * The columns shown when the user has not chosen: the default attributes,
 * then the first metrics and params.
 */
export function defaultColumnIds(
  keys: IRunKeys,
  attributes: readonly string[] = DEFAULT_ATTRIBUTE_COLUMNS
): string[] {
  return [
    ...attributes,
    ...keys.metrics
      .slice(0, DEFAULT_KEY_COLUMNS)
      .map(key => columnId('metric', key)),
    ...keys.params
      .slice(0, DEFAULT_KEY_COLUMNS)
      .map(key => columnId('param', key))
  ];
}

/**
 * The runs as CSV (RFC 4180): a header of column labels with their kind
 * (`params.lr`), then one line per run with raw values.
 */
export function toCsv(
  runs: readonly IRun[],
  columns: readonly IColumn[]
): string {
  const quote = (value: CellValue): string => {
    if (value === null) {
      return '';
    }
    const text = String(value);
    return /[",\r\n]/.test(text) || /^\s|\s$/.test(text)
      ? `"${text.replace(/"/g, '""')}"`
      : text;
  };
  const lines = [columns.map(c => quote(c.id)).join(',')];
  for (const run of runs) {
    lines.push(columns.map(c => quote(c.value(run))).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

function attributeColumn(
  name: string,
  trans: TranslationBundle
): IColumn | null {
  const id = columnId('attribute', name);
  const base = { id, kind: 'attribute' as const, key: name };
  switch (name as AttributeName) {
    case 'run_name':
      return {
        ...base,
        label: trans.__('Name'),
        sortKey: 'attributes.run_name',
        numeric: false,
        width: 180,
        value: run => run.name,
        format: run => run.name || run.run_id.slice(0, 8)
      };
    case 'status':
      return {
        ...base,
        label: trans.__('Status'),
        sortKey: 'attributes.status',
        numeric: false,
        width: 90,
        value: run => run.status,
        format: run => run.status
      };
    case 'user':
      return {
        ...base,
        label: trans.__('User'),
        sortKey: 'attributes.user',
        numeric: false,
        width: 100,
        value: run => run.user ?? null,
        format: run => run.user ?? ''
      };
    case 'start_time':
      return {
        ...base,
        label: trans.__('Started'),
        sortKey: 'attributes.start_time',
        numeric: true,
        width: 150,
        value: run => run.start_time,
        format: run => formatTime(run.start_time)
      };
    case 'duration':
      return {
        ...base,
        label: trans.__('Duration'),
        sortKey: 'attributes.duration',
        numeric: true,
        width: 90,
        value: run => runDuration(run),
        format: run => {
          const duration = runDuration(run);
          return duration === null ? '' : formatDuration(duration);
        }
      };
    case 'source_notebook':
      return {
        ...base,
        label: trans.__('Source'),
        sortKey: 'attributes.source_notebook',
        numeric: false,
        width: 160,
        value: run => run.source.notebook_path ?? null,
        format: run => run.source.notebook_path ?? ''
      };
    case 'run_id':
      return {
        ...base,
        label: trans.__('Run ID'),
        sortKey: 'attributes.run_id',
        numeric: false,
        width: 120,
        value: run => run.run_id,
        format: run => run.run_id
      };
    case 'experiment_id':
      return {
        ...base,
        label: trans.__('Experiment'),
        sortKey: 'attributes.experiment_id',
        numeric: false,
        width: 90,
        value: run => run.experiment_id,
        format: run => run.experiment_id
      };
    default:
      return null;
  }
}

/**
 * Milliseconds from start to end; for a running run, to now.
 */
export function runDuration(run: IRun, now = Date.now()): number | null {
  if (run.end_time !== null && run.end_time !== undefined) {
    return run.end_time - run.start_time;
  }
  return run.status === 'RUNNING' ? now - run.start_time : null;
}
