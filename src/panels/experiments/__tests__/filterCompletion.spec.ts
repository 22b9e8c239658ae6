import { applyCompletion, completeFilter } from '../filterCompletion';

const keys = {
  params: ['lr', 'model', 'n estimators'],
  metrics: ['acc', 'val_acc', 'loss'],
  tags: ['stage']
};

function labels(text: string, cursor = text.length): string[] {
  return completeFilter(text, cursor, keys)?.options.map(o => o.label) ?? [];
}

describe('completeFilter', () => {
  it('offers the entity prefixes for a bare word', () => {
    expect(labels('me')).toEqual(['metrics.']);
    expect(labels('p')).toContain('params.');
  });

  it('offers keys of one kind after its prefix, prefix matches first', () => {
    expect(labels('metrics.')).toEqual([
      'metrics.acc',
      'metrics.val_acc',
      'metrics.loss'
    ]);
    expect(labels('metrics.ac')).toEqual(['metrics.acc', 'metrics.val_acc']);
    expect(labels('metrics.acc > 0.9 and params.m')).toEqual([
      'params.model',
      'params.`n estimators`'
    ]);
  });

  it('quotes keys that need backticks, and completes inside them', () => {
    expect(labels('params.n')).toEqual(['params.`n estimators`']);
    expect(labels('params.`n est')).toEqual(['params.`n estimators`']);
  });

  it('finds keys of any kind from a bare word', () => {
    expect(labels('lo')).toEqual(['metrics.loss']);
    expect(labels('st')).toEqual([
      'tags.stage',
      'attributes.status',
      'attributes.start_time'
    ]);
  });

  it('stays quiet in string values, after keywords and on exact matches', () => {
    expect(completeFilter("params.model = 'me", 18, keys)).toBeNull();
    expect(completeFilter('metrics.acc > 0.5 and', 21, keys)).toBeNull();
    expect(completeFilter('metrics.acc', 11, keys)).toBeNull();
    expect(completeFilter('unknown.x', 9, keys)).toBeNull();
    // Nothing typed yet: no list (Enter must apply an empty filter).
    expect(completeFilter('', 0, keys)).toBeNull();
    expect(completeFilter('metrics.acc > 1 and ', 20, keys)).toBeNull();
  });

  it('completes at the cursor, not at the end', () => {
    const text = 'metrics.lo > 1 and params.lr = 2';
    const result = completeFilter(text, 10, keys)!;
    expect(result.from).toBe(0);
    expect(result.to).toBe(10);
  });
});

describe('applyCompletion', () => {
  it('replaces the typed identifier and moves the cursor after it', () => {
    const text = 'metrics.ac';
    const result = completeFilter(text, text.length, keys)!;
    const applied = applyCompletion(text, result, result.options[0]);
    expect(applied).toEqual({ text: 'metrics.acc ', cursor: 12 });
  });

  it('keeps a prefix open for the key', () => {
    const result = completeFilter('par', 3, keys)!;
    expect(applyCompletion('par', result, result.options[0])).toEqual({
      text: 'params.',
      cursor: 7
    });
  });
});
