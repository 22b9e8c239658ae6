/*
 * The user settings of who-ran-what on cells (`schema/cell-attribution.json`).
 */

/** The settings plugin id (and the schema file `cell-attribution.json`). */
export const CELL_ATTRIBUTION_PLUGIN_ID =
  'jupyterlab-mlplatform:cell-attribution';

export interface IAttributionSettings {
  /** Show who ran each code cell last, and when. */
  showExecutedBy: boolean;
  /** Show a badge per run the cell's last execution created. */
  showRunBadges: boolean;
  /** Dim outputs that an upstream re-run made stale, and say why. */
  markStaleOutputs: boolean;
}

export const DEFAULT_ATTRIBUTION_SETTINGS: Readonly<IAttributionSettings> = {
  showExecutedBy: true,
  showRunBadges: true,
  markStaleOutputs: true
};

/**
 * The settings from their composite values (`ISettings.get(key).composite`):
 * anything but a boolean takes the default.
 */
export function readAttributionSettings(
  get: (key: keyof IAttributionSettings) => unknown
): IAttributionSettings {
  const read = (key: keyof IAttributionSettings): boolean => {
    const value = get(key);
    return typeof value === 'boolean'
      ? value
      : DEFAULT_ATTRIBUTION_SETTINGS[key];
  };
  return {
    showExecutedBy: read('showExecutedBy'),
    showRunBadges: read('showRunBadges'),
    markStaleOutputs: read('markStaleOutputs')
  };
}

/** Whether two settings are the same. */
export function sameSettings(
  a: IAttributionSettings,
  b: IAttributionSettings
): boolean {
  return (
    a.showExecutedBy === b.showExecutedBy &&
    a.showRunBadges === b.showRunBadges &&
    a.markStaleOutputs === b.markStaleOutputs
  );
}
