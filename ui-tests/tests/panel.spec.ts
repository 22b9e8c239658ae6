/*
 * The Experiments panel in a real browser against a real server: the runs
 * table (filter, completion, sort, keyboard), a run's detail (params, charts,
 * artifact previews), the compare view, live updates from a kernel logging
 * through the client, and opening a run's source notebook at its cell.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { APIRequestContext } from '@playwright/test';

import {
  API,
  openPanel,
  openRun,
  PANEL,
  openNewNotebook,
  row,
  ROW
} from './helpers';

interface ISeedRun {
  name: string;
  params?: Record<string, string | number>;
  /** A history per metric key (steps 0..n-1). */
  metrics?: Record<string, number[]>;
  tags?: Record<string, string>;
  startTime?: number;
}

/** Create an experiment and its runs through the REST API. */
async function seed(
  request: APIRequestContext,
  name: string,
  runs: ISeedRun[]
): Promise<{ experimentId: string; runIds: string[] }> {
  const created = await request.post(`${API}/experiments`, { data: { name } });
  expect(created.status()).toBe(201);
  const experimentId = (await created.json()).experiment_id as string;
  const runIds: string[] = [];
  for (const run of runs) {
    const reply = await request.post(`${API}/runs`, {
      data: {
        experiment_id: experimentId,
        name: run.name,
        params: run.params ?? {},
        tags: run.tags ?? {},
        start_time: run.startTime ?? null,
        source: { notebook_path: 'train.ipynb', cell_id: 'cell-1' }
      }
    });
    expect(reply.status()).toBe(201);
    const runId = (await reply.json()).run_id as string;
    const metrics = Object.entries(run.metrics ?? {}).flatMap(([key, values]) =>
      values.map((value, step) => ({
        key,
        value,
        step,
        timestamp: (run.startTime ?? Date.now()) + step * 1000
      }))
    );
    if (metrics.length > 0) {
      const logged = await request.post(`${API}/runs/${runId}/log`, {
        data: { metrics }
      });
      expect(logged.status()).toBe(200);
    }
    if (run.startTime !== undefined) {
      const finished = await request.patch(`${API}/runs/${runId}`, {
        data: { status: 'FINISHED', end_time: run.startTime + 95_000 }
      });
      expect(finished.status()).toBe(200);
    }
    runIds.push(runId);
  }
  return { experimentId, runIds };
}

function names(page: IJupyterLabPageFixture) {
  return page
    .locator(`${ROW} [data-column-id="attributes.run_name"]`)
    .allTextContents();
}

const curve = (n: number, f: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => f(i));

test.describe('Experiments panel', () => {
  test('filters with completion and a located error, and sorts on the server', async ({
    page
  }) => {
    const { experimentId } = await seed(page.request, `table-${Date.now()}`, [
      { name: 'r-a', params: { model: 'rf' }, metrics: { acc: [0.5] } },
      { name: 'r-b', params: { model: 'svm' }, metrics: { acc: [0.9] } },
      { name: 'r-c', params: { model: 'rf' }, metrics: { acc: [0.7] } },
      { name: 'r-d', params: { model: 'knn' }, metrics: { acc: [0.3] } }
    ]);
    await openPanel(page, experimentId);
    await expect(page.locator(ROW)).toHaveCount(4);

    // Filter.
    const filter = page.getByRole('combobox', { name: 'Filter runs' });
    await filter.fill('metrics.acc > 0.6');
    await filter.press('Enter');
    await expect(page.locator(ROW)).toHaveCount(2);
    expect((await names(page)).sort()).toEqual(['r-b', 'r-c']);

    // A bad expression says where it is wrong, and the table empties.
    await filter.fill('metrics.acc >');
    await filter.press('Enter');
    const error = page.locator('.jp-mlp-FilterBox-error');
    await expect(error).toContainText('expected a value');
    await expect(error.locator('mark')).toHaveCount(1);
    await expect(filter).toHaveAttribute('aria-invalid', 'true');

    // Completion of keys: Tab takes the highlighted one.
    await filter.fill('');
    await filter.pressSequentially('params.mo');
    const option = page.getByRole('option', { name: 'params.model' });
    await expect(option).toBeVisible();
    await filter.press('Tab');
    await expect(filter).toHaveValue('params.model ');
    await filter.pressSequentially("= 'rf'");
    await filter.press('Enter');
    await expect(page.locator(ROW)).toHaveCount(2);
    await expect(error).toHaveCount(0);

    // Sort by a metric: descending first, then ascending.
    await filter.fill('');
    await filter.press('Enter');
    await expect(page.locator(ROW)).toHaveCount(4);
    const header = page.locator(
      '.jp-mlp-RunsTable-header [data-column-id="metrics.acc"]'
    );
    await header.click();
    await expect(header).toHaveAttribute('aria-sort', 'descending');
    await expect.poll(() => names(page)).toEqual(['r-b', 'r-c', 'r-a', 'r-d']);
    await header.click();
    await expect(header).toHaveAttribute('aria-sort', 'ascending');
    await expect.poll(() => names(page)).toEqual(['r-d', 'r-a', 'r-c', 'r-b']);

    // The keyboard moves and selects rows.
    await page.locator('.jp-mlp-RunsTable').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await expect(row(page, 'r-a')).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('.jp-mlp-ExperimentsPanel-status')).toContainText(
      '1 selected'
    );
  });

  test('opens a run: params, a chart per metric, artifact previews', async ({
    page
  }) => {
    const { experimentId, runIds } = await seed(
      page.request,
      `detail-${Date.now()}`,
      [
        {
          name: 'detailed',
          params: { lr: 0.01, model: 'rf' },
          metrics: {
            loss: curve(100, i => 1 / (i + 1)),
            acc: curve(100, i => i / 100)
          }
        }
      ]
    );
    const upload = await page.request.put(
      `${API}/runs/${runIds[0]}/artifacts/data/table.csv`,
      { data: 'species,count\nsetosa,50\nvirginica,48\n' }
    );
    expect(upload.status()).toBeLessThan(300);
    const code = await page.request.put(
      `${API}/runs/${runIds[0]}/artifacts/mlplatform/cell.py`,
      { data: 'model = RandomForestClassifier()\nmodel.fit(X, y)\n' }
    );
    expect(code.status()).toBeLessThan(300);
    await openPanel(page, experimentId);

    await openRun(page, 'detailed');
    const detail = page.locator(`#jp-mlp-run-${runIds[0]}`);
    await expect(detail.locator('.jp-mlp-RunPanel-header')).toContainText(
      'detailed'
    );
    const params = detail.locator('.jp-mlp-KeyValueTable', {
      hasText: 'Params'
    });
    await expect(params.getByRole('row', { name: 'lr 0.01' })).toBeVisible();

    await detail.getByRole('tab', { name: 'Charts' }).click();
    await expect(detail.locator('.jp-mlp-MetricChart')).toHaveCount(2);
    await expect(
      detail.locator('.jp-mlp-MetricChart canvas').first()
    ).toBeVisible();
    // Time axis, log scale and smoothing redraw the charts without errors.
    const errors: string[] = [];
    page.on('pageerror', error => errors.push(String(error)));
    await detail.getByRole('combobox', { name: /X axis/ }).selectOption('time');
    await detail.getByRole('checkbox', { name: 'Log scale' }).check();
    await detail.getByRole('slider', { name: 'Smoothing' }).fill('0.6');
    await expect(detail.locator('.jp-mlp-MetricChart canvas')).toHaveCount(2);
    expect(errors).toEqual([]);

    // The code captured with the run.
    await detail.getByRole('tab', { name: 'Code & environment' }).click();
    await expect(detail.locator('.jp-mlp-CapturedCode')).toContainText(
      'model.fit(X, y)'
    );

    await detail.getByRole('tab', { name: 'Artifacts' }).click();
    await detail.getByRole('treeitem', { name: /data/ }).click();
    await detail.getByRole('treeitem', { name: /table\.csv/ }).click();
    const table = detail.locator('.jp-mlp-ArtifactPreview table');
    await expect(table).toContainText('virginica');
    await expect(table.locator('th').first()).toHaveText('species');
  });

  test('compares runs: overlaid charts, differences, parallel coordinates', async ({
    page
  }) => {
    const { experimentId } = await seed(page.request, `compare-${Date.now()}`, [
      {
        name: 'cmp-1',
        params: { lr: 0.1, model: 'rf' },
        metrics: { loss: curve(50, i => 2 / (i + 1)) }
      },
      {
        name: 'cmp-2',
        params: { lr: 0.01, model: 'rf' },
        metrics: { loss: curve(50, i => 1 / (i + 1)) }
      }
    ]);
    await openPanel(page, experimentId);
    await expect(page.locator(ROW)).toHaveCount(2);
    for (const name of ['cmp-1', 'cmp-2']) {
      await row(page, name).getByRole('checkbox').check();
    }
    await page
      .locator(PANEL)
      .getByRole('button', { name: 'Compare', exact: true })
      .click();

    const compare = page.locator('.jp-mlp-ComparePanel');
    await expect(compare).toBeVisible();
    await expect(compare.locator('.jp-mlp-MetricChart')).toHaveCount(1);
    const table = compare.locator('.jp-mlp-ComparePanel-table');
    await expect(table.locator('thead')).toContainText('cmp-1');
    await expect(table.locator('thead')).toContainText('cmp-2');
    await expect(
      table.locator('tbody tr', { hasText: 'params.model' })
    ).toHaveCount(1);
    await compare.getByRole('checkbox', { name: 'Only differences' }).check();
    await expect(
      table.locator('tbody tr', { hasText: 'params.model' })
    ).toHaveCount(0);
    await expect(
      table.locator('tbody tr', { hasText: 'params.lr' })
    ).toHaveCount(1);
    await expect(compare.locator('.jp-mlp-ParallelCoordinates')).toBeVisible();
    await expect(compare.locator('.jp-mlp-ScatterPlot')).toBeVisible();
  });

  test('shows the runs of several experiments in one table', async ({
    page
  }) => {
    const stamp = Date.now();
    const first = await seed(page.request, `multi-a-${stamp}`, [
      { name: 'a-1' },
      { name: 'a-2' }
    ]);
    await seed(page.request, `multi-b-${stamp}`, [{ name: 'b-1' }]);
    await openPanel(page, first.experimentId);
    await expect(page.locator(ROW)).toHaveCount(2);

    await page
      .locator('.jp-mlp-ExperimentPicker-item', { hasText: `multi-b-${stamp}` })
      .getByRole('checkbox')
      .check();

    await expect(page.locator(ROW)).toHaveCount(3);
    expect((await names(page)).sort()).toEqual(['a-1', 'a-2', 'b-1']);
  });

  test('run actions: rename, tag, delete, restore, export CSV', async ({
    page
  }) => {
    const { experimentId } = await seed(page.request, `actions-${Date.now()}`, [
      { name: 'keep', params: { lr: 0.1 } },
      { name: 'drop', params: { lr: 0.2 } }
    ]);
    await openPanel(page, experimentId);
    const panel = page.locator(PANEL);
    await expect(page.locator(ROW)).toHaveCount(2);

    // Rename through the row's context menu.
    await row(page, 'keep').click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Rename Run…' }).click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('input').fill('kept');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await expect(row(page, 'kept')).toHaveCount(1);

    // Tag both runs; the tag becomes a filterable key.
    await page.locator('.jp-mlp-RunsTable-header input[type=checkbox]').check();
    await panel.getByRole('button', { name: 'Tag', exact: true }).click();
    await dialog.locator('input').fill('stage=review');
    await dialog.getByRole('button', { name: 'Tag' }).click();
    const filter = page.getByRole('combobox', { name: 'Filter runs' });
    await filter.fill("tags.stage = 'review'");
    await filter.press('Enter');
    await expect(page.locator(ROW)).toHaveCount(2);

    // Export the table as CSV: every matching run, the visible columns.
    const download = page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const csv = (await import('fs')).readFileSync(file!, 'utf-8');
    expect(csv.split('\r\n')[0]).toContain('attributes.run_name');
    expect(csv).toContain('kept');
    expect(csv).toContain('drop');

    // Delete one run, then restore it from the deleted view.
    await page.locator('.jp-mlp-RunsTable-header input[type=checkbox]').uncheck();
    await row(page, 'drop').getByRole('checkbox').check();
    await panel.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect(page.locator(ROW)).toHaveCount(1);
    await panel.getByRole('combobox', { name: 'Which runs' }).selectOption('DELETED_ONLY');
    await expect(row(page, 'drop')).toHaveCount(1);
    await row(page, 'drop').getByRole('checkbox').check();
    await panel.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect(page.locator(ROW)).toHaveCount(0);
    await panel.getByRole('combobox', { name: 'Which runs' }).selectOption('ACTIVE_ONLY');
    await expect(page.locator(ROW)).toHaveCount(2);
  });

  test('a kernel logging through the client updates the panel live; the source opens at its cell', async ({
    page,
    tmpPath
  }) => {
    const experiment = `live-${Date.now()}`;
    const notebook = 'live.ipynb';
    await openNewNotebook(page, tmpPath, notebook);
    await page.notebook.setCell(0, 'code', 'x = 1');
    await page.notebook.addCell(
      'code',
      [
        'import time',
        'import jupyterlab_mlplatform as mlp',
        `with mlp.start_run(experiment="${experiment}", name="live-run"):`,
        '    for step in range(1200):',
        '        mlp.log_metric("loss", 1 / (step + 1), step=step)',
        '        time.sleep(0.05)'
      ].join('\n')
    );
    // Run the training cell without waiting for it to finish.
    await page.notebook.selectCells(1);
    await page.keyboard.press('Control+Enter');

    // The run shows up, running, and its latest loss keeps changing.
    let experimentId = '';
    await expect
      .poll(
        async () => {
          const reply = await page.request.get(`${API}/experiments`);
          const found = (await reply.json()).experiments.find(
            (e: { name: string }) => e.name === experiment
          );
          experimentId = found?.experiment_id ?? '';
          return experimentId;
        },
        { timeout: 30_000 }
      )
      .not.toBe('');
    await openPanel(page, experimentId);
    const live = row(page, 'live-run');
    await expect(live).toContainText('RUNNING', { timeout: 30_000 });
    const loss = live.locator('[data-column-id="metrics.loss"]');
    await expect(loss).not.toHaveText('', { timeout: 30_000 });
    const first = await loss.textContent();
    await expect(loss).not.toHaveText(first ?? '', { timeout: 30_000 });

    // Its chart streams: the step in the run's metrics table grows.
    await openRun(page, 'live-run');
    const detail = page.locator('.jp-mlp-RunPanel');
    const stepCell = detail
      .locator('.jp-mlp-KeyValueTable tr', { hasText: 'loss' })
      .locator('td')
      .nth(1);
    const before = Number(await stepCell.textContent());
    await expect
      .poll(async () => Number(await stepCell.textContent()), {
        timeout: 30_000
      })
      .toBeGreaterThan(before);
    await detail.getByRole('tab', { name: 'Charts' }).click();
    await expect(
      detail.locator('.jp-mlp-MetricChart canvas').first()
    ).toBeVisible();
    // The chart streams: new histories arrive and it draws them, again and again.
    const arrivals = () =>
      page.evaluate(
        () => performance.getEntriesByName('mlp:histories-received').length
      );
    const drawn = () =>
      page.evaluate(
        () => performance.getEntriesByName('mlp:chart-drawn').length
      );
    const [arrivedBefore, drawnBefore] = [await arrivals(), await drawn()];
    await expect
      .poll(arrivals, { timeout: 30_000 })
      .toBeGreaterThan(arrivedBefore + 1);
    await expect.poll(drawn, { timeout: 30_000 }).toBeGreaterThan(drawnBefore + 1);

    // The source link opens the notebook at the cell that made the run.
    await page.activity.activateTab(notebook);
    await page.notebook.selectCells(0);
    await page.activity.activateTab('live-run');
    await detail
      .locator('.jp-mlp-RunPanel-facts')
      .getByRole('button', { name: /live\.ipynb$/ })
      .click();
    await expect(page.activity.getTabLocator(notebook)).toHaveAttribute(
      'aria-selected',
      'true'
    );
    await expect(
      page.locator('.jp-NotebookPanel:visible .jp-Cell').nth(1)
    ).toHaveClass(/jp-mod-active/);

    // Stop the training loop (through the REST API: galata's own route
    // handler cannot parse the interrupt's empty 204 answer).
    const sessions = await (await page.request.get('/api/sessions')).json();
    for (const session of sessions) {
      if (String(session.path).endsWith(notebook)) {
        await page.request.post(`/api/kernels/${session.kernel.id}/interrupt`);
      }
    }
  });
});

test.describe('Experiments panel screenshots', () => {
  // Wide enough for metric columns; the README uses these screenshots.
  test.use({ viewport: { width: 1440, height: 860 } });

  // The same data every run: fixed names, times and values.
  const START = Date.UTC(2026, 10, 2, 9, 30);
  const demo: ISeedRun[] = ['rf', 'svm', 'knn', 'xgb', 'mlp', 'lr'].map(
    (model, index) => ({
      name: `${model}-baseline`,
      params: { model, lr: [0.1, 0.03, 0.01][index % 3], depth: 3 + index },
      metrics: {
        acc: curve(60, i => (0.6 + 0.05 * index) * (1 - Math.exp(-i / 8))),
        loss: curve(60, i => (1.5 - 0.1 * index) * Math.exp(-i / 12) + 0.05)
      },
      tags: { stage: index % 2 ? 'candidate' : 'dev' },
      startTime: START + index * 600_000
    })
  );

  for (const theme of ['light', 'dark'] as const) {
    test(`the runs table and the compare charts (${theme})`, async ({ page }) => {
      const { experimentId, runIds } = await seed(
        page.request,
        theme === 'light' ? 'iris-classifiers' : 'iris-classifiers-dark',
        demo
      );
      await page.sidebar.close();
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await openPanel(page, experimentId);
      await expect(page.locator(ROW)).toHaveCount(demo.length);
      const main = page.locator('.jp-mlp-ExperimentsPanel-main');
      // User names of anonymous test users are random: masked.
      const masks = [page.locator('[data-column-id="attributes.user"]')];
      await expect(main).toHaveScreenshot(`runs-table-${theme}.png`, {
        mask: masks
      });
      await page.screenshot({
        path: `../docs/screenshots/experiments-panel-${theme}.png`
      });

      await page.evaluate(async id => {
        await window.jupyterapp.commands.execute('mlplatform:compare-runs', {
          runIds: [id[0], id[1], id[2]]
        });
      }, runIds);
      const compare = page.locator('.jp-mlp-ComparePanel');
      await expect(compare.locator('.jp-mlp-MetricChart canvas')).toHaveCount(
        2
      );
      await page.waitForTimeout(300);
      await expect(
        compare.locator('.jp-mlp-MetricChartsGrid')
      ).toHaveScreenshot(`compare-charts-${theme}.png`);
      await page.screenshot({
        path: `../docs/screenshots/compare-${theme}.png`
      });
    });
  }
});
