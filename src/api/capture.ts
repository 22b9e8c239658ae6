/*
 * Where automatic tracking stores what it captured about a run, as artifacts
 * of the run (paths relative to the run's artifact root). The run detail
 * shows whichever of these exist.
 */

export interface ICapturedFile {
  /** Artifact path. */
  path: string;
  /** How to show it: source code (with its language), or plain text. */
  language: 'python' | 'diff' | 'json' | 'text';
}

/** The folder of captured files. */
export const CAPTURE_DIR = 'mlplatform';

/** The captured files, in the order the run detail shows them. */
export const CAPTURED_FILES: readonly ICapturedFile[] = [
  { path: `${CAPTURE_DIR}/cell.py`, language: 'python' },
  { path: `${CAPTURE_DIR}/code_path.py`, language: 'python' },
  { path: `${CAPTURE_DIR}/git.diff`, language: 'diff' },
  { path: `${CAPTURE_DIR}/environment.json`, language: 'json' },
  { path: `${CAPTURE_DIR}/requirements.txt`, language: 'text' },
  { path: `${CAPTURE_DIR}/output.txt`, language: 'text' }
];

/**
 * `mlplatform/code_path.json`: the cells of `code_path.py` as data, oldest
 * first (a cell's source may hold any line, even one like a `# %%` header).
 */
export const CODE_PATH_CELLS = `${CAPTURE_DIR}/code_path.json`;

export interface ICodePathCell {
  execution_count: number;
  /** The notebook cell's id, when the kernel knew it. */
  cell_id: string | null;
  source: string;
}

export interface ICodePathCells {
  cells: ICodePathCell[];
}
