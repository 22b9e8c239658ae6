/*
 * The one way the frontend tells the user that something failed: a
 * JupyterLab error notification with what failed and the server's reason.
 */
import { Notification } from '@jupyterlab/apputils';

/** How long an error notification stays, in milliseconds. */
const ERROR_AUTO_CLOSE = 8000;

/**
 * Show `what failed: reason` as an error notification.
 */
export function reportError(what: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  Notification.error(`${what}: ${reason}`, { autoClose: ERROR_AUTO_CLOSE });
}

/**
 * Run `task`; when it fails, report it and resolve with `undefined`.
 */
export async function reportFailure<T>(
  task: () => Promise<T>,
  what: string
): Promise<T | undefined> {
  try {
    return await task();
  } catch (error) {
    reportError(what, error);
    return undefined;
  }
}
