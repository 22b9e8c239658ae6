import type { IExecutionRecord } from '../../../api/collab';
import { computeStale, IStaleInput, sameStale } from '../stale';
import { BOB, record, T0 } from './records';

/** Code cells `c0, c1, …` with outputs, from their records. */
function cells(...records: Array<IExecutionRecord | null>): IStaleInput[] {
  return records.map((r, i) => ({
    id: `c${i}`,
    isCode: true,
    hasOutputs: true,
    record: r
  }));
}

const at = (seconds: number, extra: Partial<IExecutionRecord> = {}) =>
  record({ started: T0 + seconds * 1000, ...extra });

describe('computeStale', () => {
  it('marks nothing when the cells ran top to bottom', () => {
    expect(computeStale(cells(at(0), at(10), at(20))).size).toBe(0);
  });

  it('marks the outputs below a cell re-run after them, and names the re-run', () => {
    // c0 ran, then c1 and c2, then Bob re-ran c0.
    const stale = computeStale(cells(at(100, { user: BOB }), at(10), at(20)));

    expect([...stale.keys()]).toEqual(['c1', 'c2']);
    expect(stale.get('c1')).toEqual({
      cause: {
        cellId: 'c0',
        index: 0,
        user: BOB,
        started: T0 + 100_000,
        running: false
      },
      count: 1
    });
  });

  it('does not mark cells above the re-run cell, nor cells re-run since', () => {
    // c1 was re-run at 100 s; c3 ran after it (150 s), c2 before (20 s).
    const stale = computeStale(cells(at(0), at(100), at(20), at(150)));

    expect([...stale.keys()]).toEqual(['c2']);
    expect(stale.get('c2')!.cause.cellId).toBe('c1');
  });

  it('names the latest upstream re-run and counts the others', () => {
    const stale = computeStale(
      cells(at(100), at(300, { user: BOB }), at(200), at(10))
    );

    // c2 (200 s): only c1 (300 s) is later.
    expect(stale.get('c2')).toMatchObject({
      cause: { cellId: 'c1', index: 1 },
      count: 1
    });
    // c3 (10 s): c0, c1 and c2 all ran after it; c1 last.
    expect(stale.get('c3')).toMatchObject({
      cause: { cellId: 'c1', user: BOB },
      count: 3
    });
  });

  it('counts a running upstream cell, and says it runs', () => {
    const stale = computeStale(
      cells(at(100, { status: 'running', ended: null }), at(10))
    );

    expect(stale.get('c1')!.cause.running).toBe(true);
  });

  it('does not count an upstream request the kernel aborted without running it', () => {
    const stale = computeStale(cells(at(100, { status: 'aborted' }), at(10)));

    expect(stale.size).toBe(0);
  });

  it('counts an upstream cell that failed: its code ran', () => {
    const stale = computeStale(cells(at(100, { status: 'error' }), at(10)));

    expect(stale.has('c1')).toBe(true);
  });

  it('compares only records of the same kernel', () => {
    // c0 re-ran on a new kernel; c1's output came from the old one, c2's
    // from the new one before the re-run.
    const stale = computeStale(
      cells(
        at(100, { kernel_id: 'kernel-2' }),
        at(10, { kernel_id: 'kernel-1' }),
        at(50, { kernel_id: 'kernel-2' })
      )
    );

    expect([...stale.keys()]).toEqual(['c2']);
  });

  it('never marks cells without a record, and they mark nothing', () => {
    const stale = computeStale(cells(null, at(10), null, at(5)));

    // c1 ran after c3: c3 is stale because of c1, not because of the
    // record-less cells around it.
    expect([...stale.keys()]).toEqual(['c3']);
    expect(stale.get('c3')!.cause.cellId).toBe('c1');
  });

  it('does not mark cells without outputs, but their re-run marks those below', () => {
    const input = cells(at(100), at(10), at(20));
    input[0].hasOutputs = false;
    input[1].hasOutputs = false;

    expect([...computeStale(input).keys()]).toEqual(['c2']);
  });

  it('skips markdown cells but counts them in the cell number', () => {
    const input: IStaleInput[] = [
      { id: 'md', isCode: false, hasOutputs: false, record: null },
      ...cells(at(100), at(10))
    ];
    input[1].id = 'a';
    input[2].id = 'b';
    // A record left in the metadata of a cell turned into markdown is ignored.
    input[0].record = at(500);

    const stale = computeStale(input);

    expect([...stale.keys()]).toEqual(['b']);
    expect(stale.get('b')!.cause.index).toBe(1);
  });

  it('does not mark a cell whose record started at the same time', () => {
    expect(computeStale(cells(at(10), at(10))).size).toBe(0);
  });

  it('handles thousands of cells', () => {
    // Every cell ran once, bottom to top: each is stale because of all above.
    const many = cells(...Array.from({ length: 2000 }, (_, i) => at(2000 - i)));

    const stale = computeStale(many);

    expect(stale.size).toBe(1999);
    expect(stale.get('c1999')).toMatchObject({
      cause: { cellId: 'c0' },
      count: 1999
    });
  });
});

describe('sameStale', () => {
  it('compares the marks and their reasons', () => {
    const a = computeStale(cells(at(100), at(10)));
    const b = computeStale(cells(at(100), at(10)));
    const c = computeStale(cells(at(100, { user: BOB }), at(10)));
    const d = computeStale(cells(at(0), at(10)));

    expect(sameStale(a, b)).toBe(true);
    expect(sameStale(a, c)).toBe(false);
    expect(sameStale(a, d)).toBe(false);
  });
});
