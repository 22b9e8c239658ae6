/*
 * Reopen a run as a notebook: the server builds it from the run's captured
 * code (`GET runs/{id}/notebook`); it is created next to the source notebook
 * (the root when unknown) under a name no file has yet, then opened.
 */
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { Contents } from '@jupyterlab/services';
import type { PartialJSONObject } from '@lumino/coreutils';

import type { TrackingClient } from '../../api/tracking';

/** How many names (`name.ipynb`, `name-2.ipynb`, ...) are tried. */
const MAX_NAMES = 100;

/**
 * Create the run's notebook and open it; returns its path.
 *
 * The file is first created under an untitled name (atomic on the server),
 * filled, then renamed: a rename onto an existing file fails (409), so two
 * people reopening the same run never overwrite each other's notebook.
 */
export async function openRunAsNotebook(
  client: Pick<TrackingClient, 'runNotebook'>,
  docManager: Pick<IDocumentManager, 'services' | 'openOrReveal'>,
  runId: string
): Promise<string> {
  const reopened = await client.runNotebook(runId);
  const contents = docManager.services.contents;
  const created = await contents.newUntitled({
    path: reopened.directory,
    type: 'notebook'
  });
  await contents.save(created.path, {
    type: 'notebook',
    format: 'json',
    content: reopened.notebook as PartialJSONObject
  });
  const path = await renameToFreeName(
    contents,
    created.path,
    reopened.directory,
    reopened.file_name
  );
  docManager.openOrReveal(path);
  return path;
}

/** `name.ipynb`, `name-2.ipynb`, `name-3.ipynb`... in `directory`. */
export function candidateName(
  directory: string,
  fileName: string,
  attempt: number
): string {
  const dot = fileName.lastIndexOf('.');
  const [stem, ext] =
    dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
  const name = attempt === 1 ? fileName : `${stem}-${attempt}${ext}`;
  return directory ? `${directory}/${name}` : name;
}

async function renameToFreeName(
  contents: Contents.IManager,
  from: string,
  directory: string,
  fileName: string
): Promise<string> {
  for (let attempt = 1; attempt <= MAX_NAMES; attempt++) {
    const to = candidateName(directory, fileName, attempt);
    try {
      return (await contents.rename(from, to)).path;
    } catch (error) {
      if (!isConflict(error)) {
        throw error;
      }
    }
  }
  // Every name is taken: keep the untitled one.
  return from;
}

function isConflict(error: unknown): boolean {
  const response = (error as { response?: { status?: number } }).response;
  return response?.status === 409;
}
