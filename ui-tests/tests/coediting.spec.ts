/*
 * Shared editing end to end, in two real browsers with two Jupyter
 * identities (jupyter-server gives each browser without a token its own
 * anonymous user): both edit one notebook live; B follows A; A trains a
 * model; B sees on A's cell who ran it and the run badge, clicks the badge
 * and lands on the run; B's activity feed says what A ran and the run it
 * made. The README's co-editing screenshots are taken here.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import { openNewNotebook } from './helpers';

const SIDEBAR = '#jp-mlp-collaboration';
const CELL = '.jp-Notebook .jp-Cell';
const TRAINING_CELL = [
  'from sklearn.datasets import load_iris',
  'from sklearn.linear_model import LogisticRegression',
  'X, y = load_iris(return_X_y=True)',
  'model = LogisticRegression(C=0.5, max_iter=300).fit(X, y)'
].join('\n');

async function displayName(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const user = window.jupyterapp.serviceManager.user;
    await user.ready;
    return user.identity!.display_name;
  });
}

/** The status of the current notebook's kernel, once its session is ready. */
async function kernelStatus(page: Page): Promise<string> {
  return page.evaluate(() => {
    const widget = window.jupyterapp.shell.currentWidget as any;
    const context = widget?.sessionContext;
    return context?.isReady ? (context.session?.kernel?.status ?? '') : '';
  });
}

async function openCollaboration(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('mlplatform:open-collaboration');
  });
  await expect(page.locator(SIDEBAR)).toBeVisible();
}

/** Type at the end of cell `index`'s editor, as a person does. */
async function typeInCell(page: Page, index: number, text: string) {
  // Also for the second browser, a plain page without galata's helpers.
  const editor = page.locator(CELL).nth(index).locator('.cm-content');
  // eslint-disable-next-line jupyter/galata-prefer-notebook-cell-helper
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape');
}

function cellText(page: Page, index: number) {
  return page.locator(CELL).nth(index).locator('.cm-content');
}

test.describe('Co-editing', () => {
  // The real identity the server gives this browser (galata mocks one by default).
  test.use({ viewport: { width: 1440, height: 900 }, mockUser: false });

  test('two people edit, follow, and see who trained which run', async ({
    page,
    browser,
    tmpPath
  }) => {
    // Two browsers, a kernel and a training cell: more than the default minute.
    test.setTimeout(180_000);

    // A has a notebook with three cells open...
    const path = await openNewNotebook(page, tmpPath, 'churn.ipynb');
    await page.notebook.setCell(0, 'code', 'import numpy as np');
    await page.notebook.addCell('code', '');
    await page.notebook.addCell('code', '');
    const alice = await displayName(page);

    // ...and B, another person in another browser, opens it too.
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 }
    });
    const bob = await context.newPage();
    await bob.goto(`/lab/tree/${path}`);
    await expect(bob.locator(CELL)).toHaveCount(3, { timeout: 60_000 });
    expect(await displayName(bob)).not.toEqual(alice);

    // Both edit the notebook live: each sees the other's typing.
    await typeInCell(page, 1, 'seed = 42');
    await expect(cellText(bob, 1)).toHaveText('seed = 42');
    await typeInCell(bob, 0, '  # B was here');
    await expect(cellText(page, 0)).toHaveText(
      'import numpy as np  # B was here'
    );

    // B follows A: B's view goes where A goes.
    await openCollaboration(bob);
    const aliceRow = bob.locator(`${SIDEBAR} .jp-mlp-Person`, {
      hasText: alice
    });
    await aliceRow.locator('.jp-mlp-Person-follow').click();
    await expect(bob.locator(`${SIDEBAR} .jp-mlp-FollowBanner`)).toContainText(
      alice
    );
    // eslint-disable-next-line jupyter/galata-prefer-notebook-cell-helper
    await page.locator(CELL).nth(2).locator('.jp-InputPrompt').click();
    await expect(bob.locator(CELL).nth(2)).toHaveClass(/jp-mod-active/);

    // A trains a model in that cell.
    await page.notebook.setCell(2, 'code', TRAINING_CELL);
    await page.notebook.runCell(2);

    // B sees on the cell who ran it, and the run it made...
    const strip = bob.locator(CELL).nth(2).locator('.jp-mlp-ExecutionStrip');
    await expect(strip.locator('.jp-mlp-CellChip-name')).toHaveText(alice, {
      timeout: 60_000
    });
    const badge = strip.locator('.jp-mlp-RunBadge');
    await expect(badge).toHaveCount(1, { timeout: 60_000 });
    // its key metric: the training score autolog recorded
    await expect(badge.locator('.jp-mlp-RunBadge-metric')).toHaveText(
      /^training_\w*score 0\.\d+$/,
      { timeout: 60_000 }
    );
    const runName = (await badge.locator('.jp-mlp-RunBadge-name').innerText())
      .trim()
      .replace(/\s+/g, ' ');

    // ...and in the activity feed, what A ran and the run it made.
    // (The feed is the server's: filtered by who, it holds this test's item only.)
    const feedItem = bob
      .locator(`${SIDEBAR} .jp-mlp-ActivityItem`, {
        hasText: /ran cell 3 of churn\.ipynb/
      })
      .filter({ hasText: alice });
    await expect(feedItem).toContainText(runName, { timeout: 60_000 });
    await expect(feedItem).toContainText(alice);
    // A fresh browser's "Jupyter news?" question is not part of the picture.
    const news = bob.locator('.Toastify__toast', { hasText: 'Jupyter news' });
    if ((await news.count()) > 0) {
      await news.getByRole('button', { name: 'No', exact: true }).click();
      await expect(news).toHaveCount(0);
    }
    await bob.screenshot({ path: '../docs/screenshots/coediting.png' });

    // B clicks the badge and lands on the run.
    await badge.click();
    const runView = bob.locator('[id^="jp-mlp-run-"]:visible');
    await expect(runView).toContainText(runName);
    await expect(runView).toContainText('C');

    await context.close();
  });
});

test.describe('Stale outputs', () => {
  test.use({ mockUser: false });

  test("a co-editor's re-run above marks the outputs below stale, until they are re-run", async ({
    page,
    browser,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    // A runs two cells: the second prints what the first set.
    const path = await openNewNotebook(page, tmpPath, 'stale.ipynb');
    await page.notebook.setCell(0, 'code', 'x = 1');
    await page.notebook.addCell('code', 'print(x)');
    await page.notebook.runCell(0);
    await page.notebook.runCell(1);
    const output = page.locator(CELL).nth(1);
    await expect(output.locator('.jp-OutputArea-output')).toHaveText('1');
    const note = output.locator('.jp-mlp-StaleNote');
    await expect(note).toBeHidden();

    // B, in another browser, re-runs the first cell on the shared kernel.
    const context = await browser.newContext();
    const bob = await context.newPage();
    await bob.goto(`/lab/tree/${path}`);
    await expect(bob.locator(CELL).nth(1)).toContainText('print(x)', {
      timeout: 60_000
    });
    const bobName = await displayName(bob);
    // B's notebook must be connected to the shared kernel before B runs a cell
    // (a run before that does nothing).
    await expect
      .poll(() => kernelStatus(bob), { timeout: 60_000 })
      .toBe('idle');
    await bob.locator(CELL).nth(0).locator('.jp-InputPrompt').click();
    await bob.keyboard.press('Control+Enter');

    // A's output below is now stale, and says who re-ran which cell.
    await expect(note).toBeVisible({ timeout: 60_000 });
    await expect(note).toContainText(bobName, { timeout: 60_000 });
    await expect(note.locator('.jp-mlp-StaleNote-cell')).toHaveText('cell 1');

    // Until A runs it again.
    await page.notebook.runCell(1);
    await expect(note).toBeHidden({ timeout: 60_000 });

    await context.close();
  });
});
