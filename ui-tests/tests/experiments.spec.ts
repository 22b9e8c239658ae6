import { expect, test } from '@jupyterlab/galata';

const SIDEBAR_ID = 'jp-mlp-experiments-sidebar';
const PANEL_ID = 'jp-mlp-experiments-panel';
const API = '/mlplatform/api';

test.describe('Experiments sidebar', () => {
  test('lists experiments and runs created through the REST API', async ({
    page
  }) => {
    // Given an experiment with one run (the galata server has no token and no XSRF check)
    const name = `galata-${Date.now()}`;
    const experiment = await page.request.post(`${API}/experiments`, {
      data: { name }
    });
    expect(experiment.status()).toBe(201);
    const run = await page.request.post(`${API}/runs`, {
      data: { experiment_name: name, name: 'first-run' }
    });
    expect(run.status()).toBe(201);

    // When the sidebar is opened
    await page.sidebar.openTab(SIDEBAR_ID);
    const panel = page.locator(`#${SIDEBAR_ID}`);

    // Then the experiment is listed, and selecting it lists its run
    const item = panel.locator('.jp-mlp-ExperimentList-item', {
      hasText: name
    });
    await expect(item).toBeVisible();
    await item.click();
    await expect(
      panel.locator('.jp-mlp-RunList-item', { hasText: 'first-run' })
    ).toBeVisible();
    await expect(panel.locator('.jp-mlp-RunList-status').first()).toHaveText(
      'RUNNING'
    );

    // And a run created while the panel is open arrives through the event stream
    const second = await page.request.post(`${API}/runs`, {
      data: { experiment_name: name, name: 'second-run' }
    });
    expect(second.status()).toBe(201);
    await expect(
      panel.locator('.jp-mlp-RunList-item', { hasText: 'second-run' })
    ).toBeVisible();
  });

  test('the palette command "Experiments" opens the Experiments panel', async ({
    page
  }) => {
    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#command-palette');
    await palette.locator('.lm-CommandPalette-input').fill('Experiments');
    const command = palette.locator(
      '.lm-CommandPalette-item[data-command="mlplatform:open-experiments"]'
    );
    await expect(command).toHaveText(/Experiments/);
    await command.click();

    await expect(page.locator(`#${PANEL_ID}`)).toBeVisible();
  });

  test('the sidebar opens the Experiments panel', async ({ page }) => {
    await page.sidebar.openTab(SIDEBAR_ID);
    await page
      .locator(`#${SIDEBAR_ID}`)
      .getByRole('button', { name: 'Open the Experiments panel' })
      .click();
    await expect(page.locator(`#${PANEL_ID}`)).toBeVisible();

    // Closing its tab disposes it; opening again makes a new one.
    await page
      .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: 'Experiments' })
      .locator('.lm-TabBar-tabCloseIcon')
      .click();
    await expect(page.locator(`#${PANEL_ID}`)).toHaveCount(0);
    await page
      .locator(`#${SIDEBAR_ID}`)
      .getByRole('button', { name: 'Open the Experiments panel' })
      .click();
    await expect(page.locator(`#${PANEL_ID}`)).toBeVisible();
  });

  test('the launcher has an "Experiments" card', async ({ page }) => {
    await page.menu.clickMenuItem('File>New Launcher');
    const card = page
      .locator('.jp-Launcher-section', { hasText: 'ML Platform' })
      .getByRole('button', { name: 'Experiments', exact: true });
    await expect(card).toBeVisible();
    await card.click();
    await expect(page.locator(`#${PANEL_ID}`)).toBeVisible();
  });

  test('ships its settings schemas', async ({ page }) => {
    const response = await page.request.get(
      '/lab/api/settings/jupyterlab-mlplatform:tracking'
    );
    expect(response.status()).toBe(200);
    const { schema } = await response.json();
    expect(schema.title).toBe('ML Platform: Experiments');
    expect(schema.properties.pageSize.default).toBe(100);
    const panel = await page.request.get(
      '/lab/api/settings/jupyterlab-mlplatform:experiments'
    );
    expect(panel.status()).toBe(200);
    const panelSchema = (await panel.json()).schema;
    expect(panelSchema.properties.defaultColumns.default).toContain(
      'attributes.run_name'
    );
    // One settings page: the sidebar's limit is on it; the former sidebar
    // page above stays (hidden) so values set there keep working.
    expect(panelSchema.properties.sidebarPageSize.default).toBe(100);
    expect(schema['jupyter.lab.setting-deprecated']).toBe(true);
  });
});
