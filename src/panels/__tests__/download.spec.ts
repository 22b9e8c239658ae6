import { download } from '../download';

describe('download', () => {
  const saved: { blob: Blob; name: string }[] = [];
  let lastBlob: Blob | null = null;

  beforeEach(() => {
    saved.length = 0;
    URL.createObjectURL = jest.fn((blob: Blob) => {
      lastBlob = blob;
      return 'blob:fake';
    });
    URL.revokeObjectURL = jest.fn();
    jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function (this: HTMLAnchorElement) {
        saved.push({ blob: lastBlob!, name: this.download });
      });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('saves a text with its MIME type, and removes the link', () => {
    download('a,b\n1,2\n', 'runs.csv', 'text/csv');

    expect(saved).toHaveLength(1);
    expect(saved[0].name).toBe('runs.csv');
    expect(saved[0].blob.type).toBe('text/csv');
    expect(document.querySelector('a[download]')).toBeNull();
  });

  it('saves a blob as it is (the Deploy panel files)', () => {
    const blob = new Blob(['x'], { type: 'application/gzip' });

    download(blob, 'context.tar.gz');

    expect(saved).toEqual([{ blob, name: 'context.tar.gz' }]);
  });
});
