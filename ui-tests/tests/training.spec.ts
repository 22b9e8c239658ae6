/*
 * Automatic tracking in a real browser: a notebook cell that trains a model,
 * with no tracking code, becomes a run in the Experiments panel, with its
 * params, its training score and the cell's source.
 */
import { expect, test } from '@jupyterlab/galata';

import { API, openNewNotebook, openPanel, openRun, ROW } from './helpers';

const TRAINING_CELL = [
  'from sklearn.datasets import load_iris',
  'from sklearn.linear_model import LogisticRegression',
  'X, y = load_iris(return_X_y=True)',
  'model = LogisticRegression(C=0.25, max_iter=300).fit(X, y)'
].join('\n');

interface IRunInfo {
  run_id: string;
  name: string;
  status: string;
}

test.describe('Automatic tracking', () => {
  test('a training cell becomes a run in the Experiments panel', async ({
    page,
    tmpPath
  }) => {
    const notebook = 'training.ipynb';
    const path = await openNewNotebook(page, tmpPath, notebook);
    await page.notebook.setCell(0, 'code', TRAINING_CELL);
    await page.notebook.runCell(0);

    // The run lands in the notebook's experiment and finishes.
    let experimentId = '';
    let run: IRunInfo | undefined;
    await expect
      .poll(
        async () => {
          const experiments = await (
            await page.request.get(`${API}/experiments`)
          ).json();
          experimentId =
            experiments.experiments.find(
              (e: { name: string }) => e.name === path
            )?.experiment_id ?? '';
          if (!experimentId) {
            return '';
          }
          const search = await page.request.post(`${API}/runs/search`, {
            data: { experiment_ids: [experimentId] }
          });
          run = (await search.json()).runs[0];
          return run?.status ?? '';
        },
        { timeout: 60_000 }
      )
      .toBe('FINISHED');

    // The panel shows it, with the notebook as its source.
    await openPanel(page, experimentId);
    await expect(page.locator(ROW)).toHaveCount(1);
    await expect(page.locator(ROW)).toContainText('FINISHED');
    await expect(page.locator(ROW)).toContainText(notebook);

    // Its detail has the estimator's params and the training score...
    await openRun(page, run!.name);
    const detail = page.locator(`#jp-mlp-run-${run!.run_id}`);
    await expect(
      detail
        .locator('.jp-mlp-KeyValueTable', { hasText: 'Params' })
        .getByRole('row', { name: 'C 0.25' })
    ).toBeVisible();
    await expect(
      detail
        .locator('.jp-mlp-KeyValueTable', { hasText: 'Metrics' })
        .getByRole('row', { name: /training_score/ })
    ).toBeVisible();
    // ...and the code that produced it.
    await detail.getByRole('tab', { name: 'Code & environment' }).click();
    await expect(detail).toContainText('LogisticRegression(C=0.25');

    // Switched off for this notebook, the same cell makes no run.
    await page.activity.activateTab(notebook);
    const toggle = page
      .locator('.jp-NotebookPanel:visible .jp-NotebookPanel-toolbar')
      .getByRole('button', { name: /^Tracking (on|off)$/ });
    await expect(toggle).toHaveAccessibleName('Tracking on');
    await toggle.click();
    await expect(toggle).toHaveAccessibleName('Tracking off');
    await page.notebook.runCell(0);
    // A marker run made after it: once it is there, an automatic run of the
    // cell before would be too (runs are created while their cell executes).
    await page.notebook.addCell(
      'code',
      [
        'import jupyterlab_mlplatform as mlp',
        `with mlp.start_run(experiment=${JSON.stringify(path)}, name="marker"):`,
        '    pass'
      ].join('\n')
    );
    await page.notebook.runCell((await page.notebook.getCellCount()) - 1);
    await expect
      .poll(
        async () => {
          const search = await page.request.post(`${API}/runs/search`, {
            data: { experiment_ids: [experimentId] }
          });
          return (await search.json()).runs
            .map((r: IRunInfo) => r.name)
            .sort();
        },
        { timeout: 30_000 }
      )
      .toEqual(['marker', run!.name].sort());
  });
});
