/*
 * Compare's Code tab on two real autologged runs: a notebook trains twice,
 * with one changed cell, and the tab shows that cell's line diff (and the
 * param that changed) while the unchanged cell is only named.
 */
import { expect, test } from '@jupyterlab/galata';

import { API, openNewNotebook } from './helpers';

const DATA_CELL = [
  'from sklearn.datasets import load_iris',
  'X, y = load_iris(return_X_y=True)'
].join('\n');

const trainingCell = (c: number): string =>
  [
    'from sklearn.linear_model import LogisticRegression',
    `model = LogisticRegression(C=${c}, max_iter=300).fit(X, y)`
  ].join('\n');

interface IRunInfo {
  run_id: string;
  name: string;
  status: string;
  start_time: number;
}

test.describe('Compare: Code tab', () => {
  test('shows the changed cell of two autologged runs as a line diff', async ({
    page,
    tmpPath
  }) => {
    // A kernel start, scikit-learn's import and two trainings on a busy machine.
    test.setTimeout(180_000);
    const path = await openNewNotebook(page, tmpPath, 'codediff.ipynb');
    await page.notebook.setCell(0, 'code', DATA_CELL);
    await page.notebook.addCell('code', trainingCell(0.25));
    await page.notebook.runCell(0);
    await page.notebook.runCell(1);
    await page.notebook.setCell(1, 'code', trainingCell(0.5));
    await page.notebook.runCell(1);

    // Two finished runs in the notebook's experiment, oldest first.
    let runs: IRunInfo[] = [];
    await expect
      .poll(
        async () => {
          const experiments = await (
            await page.request.get(`${API}/experiments`)
          ).json();
          const experimentId =
            experiments.experiments.find(
              (e: { name: string }) => e.name === path
            )?.experiment_id ?? '';
          if (!experimentId) {
            return [];
          }
          const search = await page.request.post(`${API}/runs/search`, {
            data: { experiment_ids: [experimentId] }
          });
          runs = ((await search.json()).runs as IRunInfo[]).sort(
            (a, b) => a.start_time - b.start_time
          );
          return runs.map(run => run.status);
        },
        { timeout: 90_000 }
      )
      .toEqual(['FINISHED', 'FINISHED']);

    await page.evaluate(
      async runIds => {
        await window.jupyterapp.commands.execute('mlplatform:compare-runs', {
          runIds
        });
      },
      runs.map(run => run.run_id)
    );
    const compare = page.locator('.jp-mlp-ComparePanel');
    await expect(compare).toBeVisible();
    await compare.getByRole('tab', { name: 'Code' }).click();

    const diff = compare.locator('.jp-mlp-CodeDiff');
    // The data cell ran before both runs, unchanged: only named.
    await expect(diff.locator('.jp-mlp-CodeDiff-cell')).toHaveCount(2);
    await expect(diff.locator('.jp-mlp-CodeDiff-cell').first()).toHaveText(
      'Cell first-cell: unchanged'
    );
    // The training cell (the same cell id) changed: its line diff.
    await expect(diff.locator('.jp-mlp-CodeDiff-cell').nth(1)).toHaveClass(
      /jp-mlp-mod-changed/
    );
    await expect(diff.locator('.jp-mlp-CodeDiff-del')).toContainText(
      'LogisticRegression(C=0.25, max_iter=300)'
    );
    await expect(diff.locator('.jp-mlp-CodeDiff-add')).toContainText(
      'LogisticRegression(C=0.5, max_iter=300)'
    );
    await expect(diff.locator('.jp-mlp-CodeDiff-del')).toHaveCount(1);
    await expect(diff.locator('.jp-mlp-CodeDiff-add')).toHaveCount(1);
    // And the param that differs.
    await expect(diff).toContainText('C: 0.25 → 0.5');
  });
});
