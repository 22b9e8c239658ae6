import { isValidName, sanitizeName, suggestName } from '../naming';

describe('sanitizeName', () => {
  it('makes names fit the pattern', () => {
    expect(sanitizeName('Iris Classifier')).toBe('iris-classifier');
    expect(sanitizeName('__my_model__v2!!')).toBe('my-model-v2');
    expect(sanitizeName('Café au lait')).toBe('cafe-au-lait');
    expect(sanitizeName('---')).toBe('model');
    expect(sanitizeName('', 'fallback')).toBe('fallback');
  });

  it('cuts to 63 characters without a trailing dash', () => {
    const name = sanitizeName('a'.repeat(62) + '-b' + 'c'.repeat(10));
    expect(name).toBe('a'.repeat(62));
    expect(isValidName(name)).toBe(true);
    expect(sanitizeName('x'.repeat(100))).toHaveLength(63);
  });

  it('always gives a valid name', () => {
    for (const text of ['A', '9lives', 'ünïcödé', 'a/b/c.ipynb', ' spaced ']) {
      expect(isValidName(sanitizeName(text))).toBe(true);
    }
  });
});

describe('suggestName', () => {
  it("uses the notebook's file name of an autolog experiment", () => {
    expect(
      suggestName({
        experimentName: 'projects/Iris Training.ipynb',
        runName: 'bold-heron-42',
        runId: 'abcdef123456'
      })
    ).toBe('iris-training');
  });

  it('uses the run name for the default experiment', () => {
    expect(
      suggestName({
        experimentName: 'Default',
        runName: 'bold-heron-42',
        runId: 'abcdef123456'
      })
    ).toBe('bold-heron-42');
  });

  it('falls back to the run id', () => {
    expect(suggestName({ runId: 'ABCDEF123456' })).toBe('run-abcdef12');
  });
});

describe('isValidName', () => {
  it('follows the server pattern', () => {
    expect(isValidName('iris')).toBe(true);
    expect(isValidName('0-iris')).toBe(true);
    expect(isValidName('-iris')).toBe(false);
    expect(isValidName('Iris')).toBe(false);
    expect(isValidName('a'.repeat(64))).toBe(false);
    expect(isValidName('')).toBe(false);
  });
});
