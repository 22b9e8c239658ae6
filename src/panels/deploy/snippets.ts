/*
 * Copyable code that calls a deployment from outside Jupyter: curl and
 * Python `requests`, with an API key (a placeholder until the user creates
 * one).
 */

/** Stands for the key in the snippets until the user creates one. */
export const KEY_PLACEHOLDER = '<API_KEY>';

/** The request body used when the model has no input example. */
export const GENERIC_EXAMPLE = {
  dataframe_split: { columns: ['feature_1', 'feature_2'], data: [[0, 0]] }
};

export interface ISnippetOptions {
  /** `http://host:port/invocations`. */
  endpoint: string;
  /** The request body (default: a generic `dataframe_split`). */
  example?: unknown;
  /** The API key (default: a placeholder). */
  apiKey?: string | null;
}

/**
 * Quote text for a POSIX shell: single quotes, with `'` written as `'\''`.
 */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A `curl` command that posts the example to the endpoint.
 */
export function curlSnippet(options: ISnippetOptions): string {
  const body = JSON.stringify(options.example ?? GENERIC_EXAMPLE);
  const key = options.apiKey || KEY_PLACEHOLDER;
  return [
    `curl -X POST ${shellQuote(options.endpoint)} \\`,
    `  -H ${shellQuote(`Authorization: Bearer ${key}`)} \\`,
    "  -H 'Content-Type: application/json' \\",
    `  -d ${shellQuote(body)}`
  ].join('\n');
}

/**
 * Python code that posts the example with `requests` and prints the
 * predictions.
 */
export function pythonSnippet(options: ISnippetOptions): string {
  const key = options.apiKey || KEY_PLACEHOLDER;
  return [
    'import requests',
    '',
    'response = requests.post(',
    `    ${pythonLiteral(options.endpoint)},`,
    `    headers={"Authorization": ${pythonLiteral(`Bearer ${key}`)}},`,
    `    json=${pythonLiteral(options.example ?? GENERIC_EXAMPLE)},`,
    '    timeout=30,',
    ')',
    'response.raise_for_status()',
    'print(response.json()["predictions"])'
  ].join('\n');
}

/**
 * A JSON value as a Python literal on one line (`null` -> `None`,
 * `true` -> `True`...).
 */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) {
      return 'float("nan")';
    }
    if (!Number.isFinite(value)) {
      return value > 0 ? 'float("inf")' : '-float("inf")';
    }
    return String(value);
  }
  if (typeof value === 'string') {
    // A JSON string is a valid Python string literal.
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(item => pythonLiteral(item)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const items = Object.entries(value as Record<string, unknown>).map(
      ([key, item]) => `${JSON.stringify(key)}: ${pythonLiteral(item)}`
    );
    return `{${items.join(', ')}}`;
  }
  return JSON.stringify(String(value));
}
