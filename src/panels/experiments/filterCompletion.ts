/*
 * Completion of the identifiers of the search grammar (`metrics.acc`,
 * `params.lr`, `attributes.user`...) in the filter box.
 */
import { IRunKeys } from '../../api/tracking';
import { ATTRIBUTE_NAMES, ColumnKind, searchIdentifier } from './columns';

export interface ICompletion {
  /** What the list shows. */
  label: string;
  /** What replaces `text.slice(from, to)`. */
  insert: string;
  kind: ColumnKind | 'prefix';
}

export interface ICompletionResult {
  from: number;
  to: number;
  options: ICompletion[];
}

/** The most options listed at once. */
export const MAX_COMPLETIONS = 50;

const PREFIXES: ReadonlyArray<[string, ColumnKind]> = [
  ['metrics', 'metric'],
  ['params', 'param'],
  ['tags', 'tag'],
  ['attributes', 'attribute']
];

// The identifier being typed: `prefix.partial`, `prefix.\`partial`, or a bare word.
const TOKEN =
  /(?:^|[\s(,])((?:[A-Za-z]+)\.(?:`[^`]*|[A-Za-z0-9_.-]*)|[A-Za-z_]*)$/;

/**
 * The completions for the identifier that ends at `cursor`, or null when the
 * cursor is not in one (inside a string value, after an operator...).
 */
export function completeFilter(
  text: string,
  cursor: number,
  keys: IRunKeys
): ICompletionResult | null {
  const before = text.slice(0, cursor);
  if (insideString(before)) {
    return null;
  }
  const match = TOKEN.exec(before);
  if (!match) {
    return null;
  }
  const token = match[1];
  const from = cursor - token.length;
  const dot = token.indexOf('.');
  const options: ICompletion[] = [];
  if (dot < 0) {
    if (token.length === 0) {
      return null;
    }
    const lower = token.toLowerCase();
    if (/^(and|or|not|in|is|like|ilike|null)$/.test(lower)) {
      return null;
    }
    for (const [prefix] of PREFIXES) {
      if (prefix.startsWith(lower)) {
        options.push({
          label: `${prefix}.`,
          insert: `${prefix}.`,
          kind: 'prefix'
        });
      }
    }
    // A bare word also finds keys of any kind that start with it.
    if (lower.length > 0) {
      for (const [, kind] of PREFIXES) {
        for (const key of keysOf(kind, keys)) {
          if (key.toLowerCase().startsWith(lower)) {
            const insert = searchIdentifier(kind, key);
            options.push({ label: insert, insert, kind });
          }
        }
      }
    }
  } else {
    const prefix = token.slice(0, dot).toLowerCase();
    const entry = PREFIXES.find(([p]) => p === prefix);
    if (!entry) {
      return null;
    }
    const kind = entry[1];
    const partial = token
      .slice(dot + 1)
      .replace(/^`/, '')
      .toLowerCase();
    const all = keysOf(kind, keys);
    const starts = all.filter(k => k.toLowerCase().startsWith(partial));
    const contains = all.filter(
      k =>
        !k.toLowerCase().startsWith(partial) &&
        k.toLowerCase().includes(partial)
    );
    for (const key of [...starts, ...contains]) {
      const insert = searchIdentifier(kind, key);
      options.push({ label: insert, insert, kind });
    }
  }
  // A key typed in full needs no list (other keys merely containing it aside).
  const exact = options.some(option => option.insert === token);
  if (options.length === 0 || exact) {
    return null;
  }
  return { from, to: cursor, options: options.slice(0, MAX_COMPLETIONS) };
}

/**
 * Apply a completion: the new text and where the cursor goes.
 */
export function applyCompletion(
  text: string,
  result: ICompletionResult,
  option: ICompletion
): { text: string; cursor: number } {
  const suffix = option.kind === 'prefix' ? '' : ' ';
  const after = text.slice(result.to);
  const glue = after.startsWith(' ') ? '' : suffix;
  return {
    text: text.slice(0, result.from) + option.insert + glue + after,
    cursor: result.from + option.insert.length + glue.length
  };
}

function keysOf(kind: ColumnKind, keys: IRunKeys): readonly string[] {
  switch (kind) {
    case 'metric':
      return keys.metrics;
    case 'param':
      return keys.params;
    case 'tag':
      return keys.tags;
    case 'attribute':
      return ATTRIBUTE_NAMES;
  }
}

/** Whether the text ends inside a quoted string value. */
function insideString(text: string): boolean {
  let quote: string | null = null;
  for (const ch of text) {
    if (quote !== null) {
      if (ch === quote) {
        quote = null;
      }
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    }
  }
  return quote !== null;
}
