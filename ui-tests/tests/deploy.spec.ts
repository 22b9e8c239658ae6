/*
 * One-click deploy in a real browser: a notebook cell trains a scikit-learn
 * model (automatic tracking logs its model package), the Deploy sidebar
 * lists it, one click deploys it, the test console gets predictions, and
 * the deployment stops; the runs table's context menu offers the deploy for
 * that run only; a newer model becomes version 2, rolled back to 1.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { API, openNewNotebook, openPanel, PANEL, row } from './helpers';

const SIDEBAR = '#jp-mlp-deploy-sidebar';

const TRAINING_CELL = [
  'from sklearn.datasets import load_iris',
  'from sklearn.linear_model import LogisticRegression',
  'X, y = load_iris(return_X_y=True, as_frame=True)',
  'model = LogisticRegression(max_iter=300).fit(X, y)'
].join('\n');

interface IRunInfo {
  run_id: string;
  experiment_id: string;
  name: string;
  tags: Record<string, string>;
}

/** The rows of a request body in one of MLflow's formats. */
function rowCount(body: Record<string, unknown>): number {
  const split = body['dataframe_split'] as { data?: unknown[] } | undefined;
  if (split?.data) {
    return split.data.length;
  }
  for (const key of ['dataframe_records', 'instances', 'inputs']) {
    if (Array.isArray(body[key])) {
      return (body[key] as unknown[]).length;
    }
  }
  throw new Error(`No rows in ${JSON.stringify(body)}`);
}

/**
 * Train the iris model in a new notebook; resolve with the run automatic
 * tracking made, once it has its model package.
 */
async function trainModel(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  notebook: string
): Promise<IRunInfo> {
  const path = await openNewNotebook(page, tmpPath, notebook);
  await page.notebook.setCell(0, 'code', TRAINING_CELL);
  await page.notebook.runCell(0);
  let run: IRunInfo | undefined;
  await expect
    .poll(
      async () => {
        const experiments = await (
          await page.request.get(`${API}/experiments`)
        ).json();
        const experimentId = experiments.experiments.find(
          (e: { name: string }) => e.name === path
        )?.experiment_id;
        if (!experimentId) {
          return false;
        }
        const search = await page.request.post(`${API}/runs/search`, {
          data: {
            experiment_ids: [experimentId],
            filter: 'tags.`mlplatform.models` IS NOT NULL'
          }
        });
        run = (await search.json()).runs[0];
        return run !== undefined;
      },
      { timeout: 90_000 }
    )
    .toBe(true);
  return run!;
}

test.describe('Deploy sidebar', () => {
  test('deploys a trained model with one click, predicts and stops', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    // Automatic tracking makes a run with a model package.
    const run = await trainModel(page, tmpPath, 'deploy-iris.ipynb');

    // The sidebar lists it with a Deploy button.
    await page.sidebar.openTab('jp-mlp-deploy-sidebar');
    const sidebar = page.locator(SIDEBAR);
    await expect(sidebar).toBeVisible();
    const deploy = sidebar.getByRole('button', {
      name: `Deploy ${run.name}`,
      exact: true
    });
    await expect(deploy).toBeVisible({ timeout: 30_000 });
    await deploy.click();

    // One question: the name, derived from the notebook.
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.getByRole('textbox')).toHaveValue('deploy-iris');
    await dialog.getByRole('button', { name: 'Deploy', exact: true }).click();

    // Packaging, starting, health check; then the endpoint.
    const progress = sidebar.locator('.jp-mlp-DeployProgress');
    await expect(progress.locator('[data-step="health"]')).toHaveAttribute(
      'data-state',
      'done',
      { timeout: 60_000 }
    );
    await expect(progress).toContainText('deploy-iris serves version 1.');
    await expect(progress.locator('.jp-mlp-DeploySnippet')).toHaveCount(2);

    const card = sidebar.locator(
      '.jp-mlp-DeploymentCard[data-name="deploy-iris"]'
    );
    await expect(card.locator('.jp-mlp-DeployStatus')).toHaveText('healthy');
    // Where it came from: the run, the cell that made it and who ran that cell.
    const chain = card.locator('.jp-mlp-Provenance');
    await expect(chain).toContainText(/endpoint\s*deploy-iris v1/);
    await expect(chain.getByRole('button', { name: run.name })).toBeVisible();
    await expect(chain).toContainText('cell 1 of deploy-iris.ipynb');

    // The test console starts from the model's input example...
    await card.getByRole('tab', { name: 'Test' }).click();
    const editor = card.locator('.jp-mlp-DeployConsole-editor');
    await expect(editor).toHaveValue(/"(dataframe_split|inputs|instances)"/, {
      timeout: 15_000
    });
    const rows = rowCount(JSON.parse(await editor.inputValue()));
    expect(rows).toBeGreaterThan(0);

    // ...and gets one prediction per row, with the latency.
    await card.getByRole('button', { name: 'Send', exact: true }).click();
    const response = card.locator('.jp-mlp-DeployConsole-response');
    await expect(response).toBeVisible({ timeout: 30_000 });
    const body = JSON.parse((await response.textContent()) ?? '');
    expect(Array.isArray(body.predictions)).toBe(true);
    expect(body.predictions).toHaveLength(rows);
    await expect(card.locator('.jp-mlp-DeployConsole-result')).toContainText(
      /200 in [\d.]+ m?s/
    );

    // The traffic shows in the card.
    await expect(card.locator('.jp-mlp-DeploymentCard-facts')).toContainText(
      /Requests\s*[1-9]/,
      { timeout: 15_000 }
    );

    // The stats are read only while the panel is visible.
    let statsReads = 0;
    page.on('request', request => {
      // (GETs carry a cache-busting query.)
      const url = new URL(request.url());
      if (url.pathname.endsWith('/deployments/deploy-iris/stats')) {
        statsReads += 1;
      }
    });
    await page.sidebar.openTab('filebrowser');
    await expect(sidebar).toBeHidden();
    await page.waitForTimeout(500);
    statsReads = 0;
    await page.waitForTimeout(4000);
    expect(statsReads).toBe(0);
    await page.sidebar.openTab('jp-mlp-deploy-sidebar');
    await expect.poll(() => statsReads, { timeout: 10_000 }).toBeGreaterThan(0);

    // The run view offers the same one-click deploy.
    await page.evaluate(async runId => {
      await window.jupyterapp.commands.execute('mlplatform:open-run', {
        runId
      });
    }, run.run_id);
    await expect(
      page
        .locator(`#jp-mlp-run-${run.run_id}`)
        .getByRole('button', { name: 'Deploy model' })
    ).toBeVisible();

    // Stop.
    await card.getByRole('button', { name: 'Stop deploy-iris' }).click();
    await expect(card.locator('.jp-mlp-DeployStatus')).toHaveText('stopped', {
      timeout: 30_000
    });
    const stopped = await (
      await page.request.get(`${API}/deployments/deploy-iris`)
    ).json();
    expect(stopped.status).toBe('stopped');
    expect(stopped.pid).toBeNull();

    // Nothing went wrong on the way.
    await expect(page.locator('.Toastify__toast--error')).toHaveCount(0);

    // Leave nothing behind.
    expect(
      (await page.request.delete(`${API}/deployments/deploy-iris`)).ok()
    ).toBe(true);
  });

  test('the runs table offers Deploy Model… for a run with a model only', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    const run = await trainModel(page, tmpPath, 'deploy-menu.ipynb');
    // A run without a model in the same experiment.
    const plain = await page.request.post(`${API}/runs`, {
      data: { experiment_id: run.experiment_id, name: 'no-model' }
    });
    expect(plain.status()).toBe(201);
    await openPanel(page, run.experiment_id);
    const toolbarDeploy = page
      .locator(PANEL)
      .getByRole('button', { name: 'Deploy', exact: true });

    // The run without a model: the run actions, but no deploy.
    await row(page, 'no-model').click({ button: 'right' });
    const menu = page.locator('.lm-Menu');
    await expect(
      menu.getByRole('menuitem', { name: 'Rename Run…' })
    ).toBeVisible();
    await expect(
      menu.getByRole('menuitem', { name: 'Deploy Model…' })
    ).toHaveCount(0);
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
    await expect(toolbarDeploy).toHaveCount(0);

    // The trained run: the entry starts the deploy flow, which asks the name.
    await row(page, run.name).click({ button: 'right' });
    await menu.getByRole('menuitem', { name: 'Deploy Model…' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.getByRole('textbox')).toHaveValue('deploy-menu');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    // The toolbar offers it too while that run is selected.
    await expect(toolbarDeploy).toBeVisible();

    // Cancelled: nothing deployed, nothing went wrong.
    expect(
      (await page.request.get(`${API}/deployments/deploy-menu`)).status()
    ).toBe(404);
    await expect(page.locator('.Toastify__toast--error')).toHaveCount(0);
  });

  test('deploys a newer model as a new version, then rolls back', async ({
    page,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    const run = await trainModel(page, tmpPath, 'iris-versions.ipynb');
    // Version 1 exists already (from the same run, made through the API).
    const created = await page.request.post(`${API}/deployments`, {
      data: { name: 'iris-versions', run_id: run.run_id }
    });
    expect(created.status()).toBe(201);
    expect((await created.json()).status).toBe('healthy');

    await page.sidebar.openTab('jp-mlp-deploy-sidebar');
    const sidebar = page.locator(SIDEBAR);
    const card = sidebar.locator(
      '.jp-mlp-DeploymentCard[data-name="iris-versions"]'
    );
    await expect(card.locator('.jp-mlp-DeploymentCard-version')).toHaveText(
      'v1'
    );
    await sidebar
      .getByRole('button', { name: `Deploy ${run.name}`, exact: true })
      .click();

    // The proposed name exists: deploy as its next version.
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.getByRole('textbox')).toHaveValue('iris-versions');
    await expect(dialog).toContainText('exists (version 1)');
    await dialog.getByRole('button', { name: 'Deploy', exact: true }).click();
    await expect(dialog).toContainText('Deploy this model as version 2?');
    await dialog.getByRole('button', { name: 'Deploy as New Version' }).click();

    const progress = sidebar.locator('.jp-mlp-DeployProgress');
    await expect(progress).toContainText('New version of iris-versions');
    await expect(progress.locator('[data-step="health"]')).toHaveAttribute(
      'data-state',
      'done',
      { timeout: 60_000 }
    );
    await expect(card.locator('.jp-mlp-DeploymentCard-version')).toHaveText(
      'v2'
    );

    // Roll back to version 1, confirmed.
    await card
      .getByRole('button', { name: 'Roll iris-versions back to version 1' })
      .click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Roll Back' })
      .click();
    await expect(card.locator('.jp-mlp-DeploymentCard-version')).toHaveText(
      'v1',
      { timeout: 60_000 }
    );
    await expect(card.locator('.jp-mlp-DeployStatus')).toHaveText('healthy');

    // Delete, confirmed: the card goes.
    await card.getByRole('button', { name: 'Delete iris-versions…' }).click();
    await page.locator('.jp-Dialog').getByRole('button', { name: 'Delete' }).click();
    await expect(card).toHaveCount(0, { timeout: 30_000 });
    expect(
      (await page.request.get(`${API}/deployments/iris-versions`)).status()
    ).toBe(404);
    await expect(page.locator('.Toastify__toast--error')).toHaveCount(0);
  });
});
