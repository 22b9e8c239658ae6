import {
  expect,
  galata,
  IJupyterLabPageFixture,
  test
} from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

/** The toggle's accessible name is its label, `Tracking on` or `Tracking off`. */
const TOGGLE_NAME = /^Tracking (on|off)$/;

/** The automatic-tracking toggle in the visible notebook's toolbar. */
function toggle(page: IJupyterLabPageFixture): Locator {
  return page
    .locator('.jp-NotebookPanel:visible .jp-NotebookPanel-toolbar')
    .getByRole('button', { name: TOGGLE_NAME });
}

/** The contents API URL of a server path. */
function contentsUrl(path: string): string {
  return `/api/contents/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Create a notebook in the test's folder; resolve with its server path once
 * galata's rename of Untitled.ipynb is done. (These tests only need the file:
 * the kernel session's path may lag behind the rename, or miss it when the
 * kernel was still starting.)
 */
async function createNotebook(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string
): Promise<string> {
  expect(await page.notebook.createNew(name)).toBe(name);
  const path = `${tmpPath}/${name}`;
  await expect
    .poll(async () => (await page.request.get(contentsUrl(path))).status(), {
      timeout: 30_000
    })
    .toBe(200);
  return path;
}

/**
 * `metadata.mlplatform` of the notebook as saved on disk (`null` when
 * absent), or the status of a failed read (a read can meet a save half way).
 */
async function savedSwitch(
  page: IJupyterLabPageFixture,
  path: string
): Promise<unknown> {
  const reply = await page.request.get(`${contentsUrl(path)}?content=1`);
  if (!reply.ok()) {
    return { status: reply.status() };
  }
  const model = await reply.json();
  return model.content.metadata.mlplatform ?? null;
}

test.describe('Automatic tracking toggle', () => {
  test('switches tracking off and on for a notebook, saved in its metadata', async ({
    page,
    tmpPath
  }) => {
    const path = await createNotebook(page, tmpPath, 'autolog-toggle.ipynb');
    const button = toggle(page);

    // A new notebook is tracked.
    await expect(button).toHaveText('Tracking on');
    await expect(button).toHaveAttribute('aria-pressed', 'true');
    await expect(button).toHaveAttribute('title', /switch it off/);

    // Off: the label and aria-pressed flip, and the saved file says so.
    await button.click();
    await expect(button).toHaveText('Tracking off');
    await expect(button).toHaveAttribute('aria-pressed', 'false');
    await expect
      .poll(() => savedSwitch(page, path), { timeout: 15_000 })
      .toEqual({ autolog: false });
    await expect(button).toHaveAttribute('title', /off for this notebook/);

    // On again: the key is gone from the saved file.
    await button.click();
    await expect(button).toHaveText('Tracking on');
    await expect(button).toHaveAttribute('aria-pressed', 'true');
    await expect
      .poll(() => savedSwitch(page, path), { timeout: 15_000 })
      .toBeNull();

    // Toggling reported nothing (the status endpoint may be missing).
    await expect(page.locator('.Toastify__toast--error')).toHaveCount(0);
  });

  test('the palette command toggles the current notebook', async ({
    page,
    tmpPath
  }) => {
    const path = await createNotebook(page, tmpPath, 'autolog-command.ipynb');
    const button = toggle(page);
    await expect(button).toHaveText('Tracking on');

    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#command-palette');
    await palette
      .locator('.lm-CommandPalette-input')
      .fill('Track Training in This Notebook');
    const command = palette.locator(
      '.lm-CommandPalette-item[data-command="mlplatform:toggle-notebook-autolog"]'
    );
    await expect(command).toHaveClass(/lm-mod-toggled/);
    await command.click();

    await expect(button).toHaveText('Tracking off');
    await expect
      .poll(() => savedSwitch(page, path), { timeout: 15_000 })
      .toEqual({ autolog: false });
  });
});

test.describe('Automatic tracking switched off in the user setting', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyterlab-mlplatform:autolog': { enabled: false }
    }
  });

  test('the toggle says so, opens the setting, and follows it', async ({
    page,
    tmpPath
  }) => {
    await createNotebook(page, tmpPath, 'autolog-setting.ipynb');
    const button = toggle(page);
    await expect(button).toHaveText('Tracking off');
    await expect(button).toHaveAttribute('aria-pressed', 'false');
    await expect(button).toHaveAttribute('title', /off in your settings/);

    // Clicking opens the setting instead of changing the notebook.
    await button.click();
    const checkbox = page
      .locator('.jp-SettingsPanel')
      .getByRole('checkbox', { name: /Track training automatically/ });
    await expect(checkbox).toBeVisible();
    await expect(checkbox).not.toBeChecked();

    // Switching the setting on shows in the notebook's toolbar at once.
    await checkbox.check();
    await page.activity.activateTab('autolog-setting.ipynb');
    await expect(button).toHaveText('Tracking on');
    await expect(button).toHaveAttribute('aria-pressed', 'true');
  });
});
