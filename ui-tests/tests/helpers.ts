/*
 * What several Galata suites share: opening the Experiments panel on some
 * experiments, finding a run's row, and waiting for a notebook's session.
 */
import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';

export const API = '/mlplatform/api';
export const PANEL = '#jp-mlp-experiments-panel';
export const ROW = '.jp-mlp-RunsTable-row';

export async function openPanel(
  page: IJupyterLabPageFixture,
  experimentId: string
): Promise<void> {
  await page.evaluate(async id => {
    await window.jupyterapp.commands.execute('mlplatform:open-experiments', {
      experimentIds: [id]
    });
  }, experimentId);
  await expect(page.locator(PANEL)).toBeVisible();
}

export function row(page: IJupyterLabPageFixture, name: string) {
  return page.locator(ROW, { hasText: name });
}

export async function openRun(
  page: IJupyterLabPageFixture,
  name: string
): Promise<void> {
  await row(page, name)
    .locator('[data-column-id="attributes.run_name"] button')
    .click();
}

/**
 * Create a notebook with its final name in the test's folder and open it: its
 * kernel session has the right path from the start (galata's createNew makes
 * Untitled.ipynb and renames it, which the session can follow late). Resolves
 * with the notebook's server path.
 */
export async function openNewNotebook(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string
): Promise<string> {
  const path = `${tmpPath}/${name}`;
  const reply = await page.request.put(`/api/contents/${path}`, {
    data: {
      type: 'notebook',
      format: 'json',
      content: {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
          kernelspec: {
            name: 'python3',
            display_name: 'Python 3 (ipykernel)',
            language: 'python'
          }
        },
        cells: [
          {
            id: 'first-cell',
            cell_type: 'code',
            source: '',
            metadata: {},
            outputs: [],
            execution_count: null
          }
        ]
      }
    }
  });
  expect(reply.ok()).toBe(true);
  expect(await page.notebook.openByPath(path)).toBe(true);
  await page.notebook.activate(name);
  await waitForSession(page, name);
  return path;
}

/**
 * galata creates Untitled.ipynb and renames it; the kernel's session follows
 * the rename a moment later. Runs record the session's path, so wait for it
 * before running cells (on a loaded machine a cell could otherwise start first
 * and record Untitled.ipynb).
 */
export async function waitForSession(
  page: IJupyterLabPageFixture,
  notebook: string
): Promise<string> {
  let path = '';
  await expect
    .poll(
      async () => {
        const reply = await page.request.get('/api/sessions');
        const sessions: { path: string }[] = await reply.json();
        path =
          sessions.find(s => s.path.endsWith(`/${notebook}`))?.path ?? '';
        return path;
      },
      { timeout: 30_000 }
    )
    .not.toBe('');
  return path;
}
