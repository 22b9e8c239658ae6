/*
 * Execution records for tests, shaped as the server writes them.
 */
import type { ICollabUser, IExecutionRecord } from '../../../api/collab';

export const ALICE: ICollabUser = {
  username: 'alice',
  name: 'Alice Smith',
  display_name: 'Alice Smith',
  initials: 'AS',
  color: null,
  avatar_url: null
};

export const BOB: ICollabUser = {
  username: 'bob',
  name: 'Bob Jones',
  display_name: 'Bob Jones',
  initials: 'BJ',
  color: '#7b1fa2',
  avatar_url: null
};

/** 2026-12-06 10:02:13 local time. */
export const T0 = new Date(2026, 11, 6, 10, 2, 13).getTime();

export function record(
  overrides: Partial<IExecutionRecord> = {}
): IExecutionRecord {
  return {
    user: ALICE,
    started: T0,
    ended: T0 + 3200,
    status: 'ok',
    execution_count: 12,
    kernel_id: 'kernel-1',
    runs: [],
    sig: 'signed',
    ...overrides
  };
}
