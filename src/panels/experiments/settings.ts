/*
 * The settings of the Experiments sidebar and panel, one settings page
 * (`jupyterlab-mlplatform:experiments`), and their defaults, written once.
 *
 * The sidebar's limit used to be `pageSize` on its own page
 * (`jupyterlab-mlplatform:tracking`); that page stays, hidden from the
 * settings editor, and a value a user set there is still read until they set
 * `sidebarPageSize`.
 */
import type { ISettingRegistry } from '@jupyterlab/settingregistry';

/**
 * Runs the table fetches per request unless the settings say otherwise (the
 * schema's `pageSize` default says the same).
 */
export const DEFAULT_RUNS_PAGE_SIZE = 200;

/**
 * Runs the Experiments sidebar lists for the selected experiment unless the
 * settings say otherwise (the schema's `sidebarPageSize` default).
 */
export const DEFAULT_SIDEBAR_PAGE_SIZE = 100;

/** Points per metric history for charts unless the settings say otherwise. */
export const DEFAULT_CHART_POINTS = 1500;

export interface IExperimentsSettings {
  /** Runs the table fetches per request. */
  pageSize: number;
  /** Points per metric history fetched for a chart. */
  chartMaxPoints: number;
  /** The attribute columns shown before the user picks, `null`: the model's. */
  defaultColumns: string[] | null;
}

/**
 * The settings before (or without) the setting registry.
 */
export function defaultExperimentsSettings(): IExperimentsSettings {
  return {
    pageSize: DEFAULT_RUNS_PAGE_SIZE,
    chartMaxPoints: DEFAULT_CHART_POINTS,
    defaultColumns: null
  };
}

/**
 * The settings as the registry has them (defaults for what is unset).
 */
export function readExperimentsSettings(
  loaded: ISettingRegistry.ISettings
): IExperimentsSettings {
  const defaults = defaultExperimentsSettings();
  const columns = loaded.get('defaultColumns').composite;
  return {
    pageSize:
      (loaded.get('pageSize').composite as number | undefined) ??
      defaults.pageSize,
    chartMaxPoints:
      (loaded.get('chartMaxPoints').composite as number | undefined) ??
      defaults.chartMaxPoints,
    defaultColumns: Array.isArray(columns) ? (columns as string[]) : null
  };
}

/**
 * The Experiments sidebar's limit: `sidebarPageSize` of the Experiments page
 * when the user set it, else the old `pageSize` of the tracking page when
 * the user set that, else the default.
 */
export function readSidebarPageSize(
  experiments: ISettingRegistry.ISettings | null,
  legacyTracking: ISettingRegistry.ISettings | null
): number {
  const chosen =
    experiments?.user['sidebarPageSize'] ??
    legacyTracking?.user['pageSize'] ??
    experiments?.get('sidebarPageSize').composite;
  return typeof chosen === 'number' ? chosen : DEFAULT_SIDEBAR_PAGE_SIZE;
}
