/*
 * How an artifact is previewed, decided from its name (and, when the name says
 * nothing, from a content type). Pure: no DOM, no requests.
 */

/**
 * The kinds of preview the artifact browser knows.
 *
 * - `image`: a raster image, rendered by the `image/*` renderer from base64.
 * - `svg`: an SVG drawing, shown as an image (never inlined into the page).
 * - `markdown`, `json`, `html`: rendered by the renderer of `mimeType`.
 * - `text`: plain text (logs, source code, configuration files).
 * - `csv`: a delimiter-separated table (`delimiter` is `,` or a tab).
 * - `notebook`: a Jupyter notebook, rendered cell by cell.
 * - `binary`: no preview; the file is never downloaded to be parsed.
 */
export type PreviewKind =
  | 'image'
  | 'svg'
  | 'markdown'
  | 'text'
  | 'json'
  | 'csv'
  | 'html'
  | 'notebook'
  | 'binary';

export interface IPreviewSpec {
  kind: PreviewKind;
  /** The MIME type handed to the renderer (`application/octet-stream` for binaries). */
  mimeType: string;
  /** The field delimiter of a `csv` preview. */
  delimiter?: string;
}

/**
 * The largest file, in bytes, downloaded to be previewed.
 */
export const IMAGE_PREVIEW_LIMIT = 10 * 1024 * 1024;
export const TEXT_PREVIEW_LIMIT = 2 * 1024 * 1024;

/**
 * The largest file, in bytes, downloaded to preview a file of this kind
 * (0 for binaries: they are never downloaded).
 *
 * Notebooks get the image limit: most of their weight is base64 plots.
 */
export function previewLimit(kind: PreviewKind): number {
  switch (kind) {
    case 'binary':
      return 0;
    case 'image':
    case 'svg':
    case 'notebook':
      return IMAGE_PREVIEW_LIMIT;
    default:
      return TEXT_PREVIEW_LIMIT;
  }
}

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp'
};

/**
 * Extensions of files shown as plain text.
 */
const TEXT_EXTENSIONS = new Set([
  'txt',
  'text',
  'log',
  'out',
  'err',
  'py',
  'pyi',
  'r',
  'jl',
  'sh',
  'bash',
  'sql',
  'js',
  'ts',
  'java',
  'scala',
  'c',
  'h',
  'cpp',
  'go',
  'rs',
  'yaml',
  'yml',
  'toml',
  'cfg',
  'ini',
  'conf',
  'properties',
  'env',
  'xml',
  'jsonl',
  'ndjson',
  'rst',
  'tex',
  'diff',
  'patch',
  'lock'
]);

/**
 * Files without a telling extension that are text (compared lower-case).
 * `MLmodel` and `registered_model_meta` are MLflow's YAML model descriptors.
 */
const TEXT_NAMES = new Set([
  'mlmodel',
  'registered_model_meta',
  'dockerfile',
  'makefile',
  'license',
  'readme',
  'requirements',
  'procfile'
]);

const BINARY: IPreviewSpec = {
  kind: 'binary',
  mimeType: 'application/octet-stream'
};

/**
 * The preview of the artifact at `path` (a `/`-separated path; only its
 * last segment matters).
 *
 * @param contentType - The `Content-Type` the server sent, consulted only
 *   when the name alone is not recognized.
 */
export function previewKind(
  path: string,
  contentType?: string | null
): IPreviewSpec {
  const name = path.split('/').pop() ?? '';
  const dot = name.lastIndexOf('.');
  // A leading dot (".gitignore") is a hidden file, not an extension.
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  const fromName = fromExtension(extension, name.toLowerCase());
  if (fromName) {
    return fromName;
  }
  return fromContentType(contentType) ?? BINARY;
}

function fromExtension(extension: string, name: string): IPreviewSpec | null {
  if (extension in IMAGE_TYPES) {
    return { kind: 'image', mimeType: IMAGE_TYPES[extension] };
  }
  switch (extension) {
    case 'svg':
      return { kind: 'svg', mimeType: 'image/svg+xml' };
    case 'md':
    case 'markdown':
      return { kind: 'markdown', mimeType: 'text/markdown' };
    case 'json':
    case 'geojson':
      return { kind: 'json', mimeType: 'application/json' };
    case 'csv':
      return { kind: 'csv', mimeType: 'text/csv', delimiter: ',' };
    case 'tsv':
    case 'tab':
      return {
        kind: 'csv',
        mimeType: 'text/tab-separated-values',
        delimiter: '\t'
      };
    case 'html':
    case 'htm':
      return { kind: 'html', mimeType: 'text/html' };
    case 'ipynb':
      return { kind: 'notebook', mimeType: 'application/x-ipynb+json' };
  }
  if (TEXT_EXTENSIONS.has(extension) || TEXT_NAMES.has(name)) {
    return { kind: 'text', mimeType: 'text/plain' };
  }
  return null;
}

function fromContentType(contentType?: string | null): IPreviewSpec | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (!type) {
    return null;
  }
  const image = Object.values(IMAGE_TYPES).find(known => known === type);
  if (image) {
    return { kind: 'image', mimeType: image };
  }
  switch (type) {
    case 'image/svg+xml':
      return { kind: 'svg', mimeType: type };
    case 'text/markdown':
      return { kind: 'markdown', mimeType: type };
    case 'application/json':
      return { kind: 'json', mimeType: type };
    case 'text/csv':
      return { kind: 'csv', mimeType: type, delimiter: ',' };
    case 'text/tab-separated-values':
      return { kind: 'csv', mimeType: type, delimiter: '\t' };
    case 'text/html':
      return { kind: 'html', mimeType: type };
  }
  if (type.startsWith('text/')) {
    return { kind: 'text', mimeType: 'text/plain' };
  }
  return null;
}
