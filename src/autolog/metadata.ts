/*
 * The per-notebook switch of automatic tracking: `metadata.mlplatform.autolog`.
 *
 * A boolean; absent means on. The server reads it from the notebook (the live
 * shared document with real-time collaboration, otherwise the saved file), so
 * the key names are a contract with the server: do not rename them.
 */

/** The notebook metadata key holding the platform's settings. */
export const METADATA_KEY = 'mlplatform';

/** The key of the switch inside `metadata.mlplatform`. */
export const AUTOLOG_KEY = 'autolog';

/**
 * The part of a notebook model this module needs (`INotebookModel` has it).
 */
export interface INotebookMetadataHost {
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
  deleteMetadata(key: string): void;
}

/**
 * Whether the notebook's own switch lets automatic tracking run.
 *
 * Only an explicit `false` switches it off: the key absent, `true` or any
 * other value (a hand-edited notebook) leave it on.
 */
export function readNotebookAutolog(model: INotebookMetadataHost): boolean {
  const section = model.getMetadata(METADATA_KEY);
  if (section !== null && typeof section === 'object') {
    return (section as Record<string, unknown>)[AUTOLOG_KEY] !== false;
  }
  return true;
}

/**
 * Set the notebook's own switch.
 *
 * Off writes `mlplatform.autolog: false`. On removes the key (absent means
 * on), and `mlplatform` too when nothing else is left in it, so that switching
 * off and on again leaves the notebook as it was. Other keys of `mlplatform`
 * are kept. Does nothing when the switch is already in that state.
 *
 * @returns Whether the metadata changed.
 */
export function writeNotebookAutolog(
  model: INotebookMetadataHost,
  enabled: boolean
): boolean {
  if (readNotebookAutolog(model) === enabled) {
    return false;
  }
  const current = model.getMetadata(METADATA_KEY);
  const section: Record<string, unknown> =
    current !== null && typeof current === 'object' && !Array.isArray(current)
      ? { ...(current as Record<string, unknown>) }
      : {};
  if (enabled) {
    delete section[AUTOLOG_KEY];
  } else {
    section[AUTOLOG_KEY] = false;
  }
  if (Object.keys(section).length === 0) {
    model.deleteMetadata(METADATA_KEY);
  } else {
    model.setMetadata(METADATA_KEY, section);
  }
  return true;
}
