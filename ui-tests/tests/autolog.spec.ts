import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

/** The toggle's accessible name is its label, `Tracking on` or `Tracking off`. */
const TOGGLE_NAME = /^Tracking (on|off)$/;

/** The automatic-tracking toggle in the visible notebook's toolbar. */
function toggle(page: IJupyterLabPageFixture): Locator {
  return page
    .locator('.jp-NotebookPanel:visible .jp-NotebookPanel-toolbar')
    .getByRole('button', { name: TOGGLE_NAME });
}

/**
 * Create a notebook and wait until its kernel session follows galata's
 * rename of Untitled.ipynb; resolve with its server path.
 */
async function createNotebook(
  page: IJupyterLabPageFixture,
  name: string
): Promise<string> {
  await page.notebook.createNew(name);
  let path = '';
  await expect
    .poll(
      async () => {
        const reply = await page.request.get('/api/sessions');
        const sessions: { path: string }[] = await reply.json();
        path =
          sessions.find(s => s.path === name || s.path.endsWith(`/${name}`))
            ?.path ?? '';
        return path;
      },
      { timeout: 30_000 }
    )
    .not.toBe('');
  return path;
}

/** `metadata.mlplatform` of the notebook as saved on disk. */
async function savedSwitch(
  page: IJupyterLabPageFixture,
  path: string
): Promise<unknown> {
  const reply = await page.request.get(
    `/api/contents/${path.split('/').map(encodeURIComponent).join('/')}?content=1`
  );
  expect(reply.ok()).toBe(true);
  const model = await reply.json();
  return model.content.metadata.mlplatform ?? null;
}

test.describe('Automatic tracking toggle', () => {
  test('switches tracking off and on for a notebook, saved in its metadata', async ({
    page
  }) => {
    const path = await createNotebook(page, 'autolog-toggle.ipynb');
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

  test('the palette command toggles the current notebook', async ({ page }) => {
    const path = await createNotebook(page, 'autolog-command.ipynb');
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
