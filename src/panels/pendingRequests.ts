/*
 * The requests a model has in flight: its `loading` flag, with failures
 * reported to the user the one way (`src/notify.ts`).
 */
import { reportFailure } from '../notify';

export class PendingRequests {
  /**
   * @param onChange - Called when a request starts or ends (the model
   *   emits its `changed` signal).
   */
  constructor(onChange: () => void) {
    this._onChange = onChange;
  }

  /** Whether any request is in flight. */
  get active(): boolean {
    return this._count > 0;
  }

  /** Run a request, counted while it runs. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    this._count += 1;
    this._onChange();
    try {
      return await task();
    } finally {
      this._count -= 1;
      this._onChange();
    }
  }

  /** Run a request; a failure is reported and gives `undefined`. */
  track<T>(task: () => Promise<T>, failure: string): Promise<T | undefined> {
    return this.run(() => reportFailure(task, failure));
  }

  private _count = 0;
  private _onChange: () => void;
}
