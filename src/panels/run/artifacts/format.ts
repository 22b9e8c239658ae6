/*
 * Display formatting of the artifact browser.
 */
import { TranslationBundle } from '@jupyterlab/translation';

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/**
 * A byte count in binary units with 3 significant digits at most
 * ("512 B", "1.5 KB", "10 MB"); `''` when the size is unknown.
 */
export function formatSize(
  bytes: number | null | undefined,
  trans: TranslationBundle
): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) {
    return '';
  }
  if (bytes < 1024) {
    return trans._n('%1 byte', '%1 bytes', bytes);
  }
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const shown = String(Number(value.toFixed(digits)));
  // The unit symbols are the same in every language; the spacing may not be.
  return trans.__('%1 %2', shown, UNITS[unit]);
}
