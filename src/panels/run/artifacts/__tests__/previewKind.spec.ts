import {
  IMAGE_PREVIEW_LIMIT,
  PreviewKind,
  previewKind,
  previewLimit,
  TEXT_PREVIEW_LIMIT
} from '../previewKind';

describe('previewKind', () => {
  it.each<[string, PreviewKind, string]>([
    ['plots/loss.png', 'image', 'image/png'],
    ['photo.JPG', 'image', 'image/jpeg'],
    ['photo.jpeg', 'image', 'image/jpeg'],
    ['anim.gif', 'image', 'image/gif'],
    ['thumb.webp', 'image', 'image/webp'],
    ['diagram.svg', 'svg', 'image/svg+xml'],
    ['README.md', 'markdown', 'text/markdown'],
    ['metrics.json', 'json', 'application/json'],
    ['data/train.csv', 'csv', 'text/csv'],
    ['data/train.tsv', 'csv', 'text/tab-separated-values'],
    ['report.html', 'html', 'text/html'],
    ['report.HTM', 'html', 'text/html'],
    ['analysis.ipynb', 'notebook', 'application/x-ipynb+json'],
    ['notes.txt', 'text', 'text/plain'],
    ['train.log', 'text', 'text/plain'],
    ['train.py', 'text', 'text/plain'],
    ['model/conda.yaml', 'text', 'text/plain'],
    ['config.yml', 'text', 'text/plain'],
    ['pyproject.toml', 'text', 'text/plain'],
    ['setup.cfg', 'text', 'text/plain'],
    ['model/MLmodel', 'text', 'text/plain'],
    ['model/requirements.txt', 'text', 'text/plain'],
    ['Dockerfile', 'text', 'text/plain'],
    ['model/model.pkl', 'binary', 'application/octet-stream'],
    ['weights.bin', 'binary', 'application/octet-stream'],
    ['model.pt', 'binary', 'application/octet-stream'],
    ['archive.tar.gz', 'binary', 'application/octet-stream'],
    ['no-extension', 'binary', 'application/octet-stream'],
    // A dot in a folder name is not the file's extension.
    ['run.v2/data', 'binary', 'application/octet-stream'],
    // A leading dot marks a hidden file, not an extension.
    ['.csv', 'binary', 'application/octet-stream']
  ])('%s → %s (%s)', (path, kind, mimeType) => {
    const spec = previewKind(path);
    expect(spec.kind).toBe(kind);
    expect(spec.mimeType).toBe(mimeType);
  });

  it('gives CSV and TSV their delimiter', () => {
    expect(previewKind('a.csv').delimiter).toBe(',');
    expect(previewKind('a.tsv').delimiter).toBe('\t');
  });

  it('uses the content type only when the name says nothing', () => {
    expect(previewKind('blob', 'text/csv; charset=utf-8')).toMatchObject({
      kind: 'csv',
      delimiter: ','
    });
    expect(previewKind('blob', 'image/png').kind).toBe('image');
    expect(previewKind('blob', 'text/x-python').kind).toBe('text');
    expect(previewKind('blob', 'application/octet-stream').kind).toBe('binary');
    // The extension wins over a generic content type.
    expect(previewKind('table.csv', 'text/plain').kind).toBe('csv');
    expect(previewKind('model.pkl', null).kind).toBe('binary');
  });
});

describe('previewLimit', () => {
  it('allows more bytes for images than for text, none for binaries', () => {
    expect(previewLimit('image')).toBe(IMAGE_PREVIEW_LIMIT);
    expect(previewLimit('svg')).toBe(IMAGE_PREVIEW_LIMIT);
    expect(previewLimit('text')).toBe(TEXT_PREVIEW_LIMIT);
    expect(previewLimit('csv')).toBe(TEXT_PREVIEW_LIMIT);
    expect(previewLimit('json')).toBe(TEXT_PREVIEW_LIMIT);
    expect(previewLimit('binary')).toBe(0);
    expect(IMAGE_PREVIEW_LIMIT).toBe(10 * 1024 * 1024);
    expect(TEXT_PREVIEW_LIMIT).toBe(2 * 1024 * 1024);
  });
});
