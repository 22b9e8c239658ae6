/*
 * The Collaboration panel in a real browser: it lists us on our notebook
 * and cell; a second browser (another anonymous identity, as jupyter-server
 * gives each browser without a token) shows up on the cell it selects, can
 * be followed cell by cell until we click in our notebook, and its cell run
 * reaches our activity feed.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import { openNewNotebook } from './helpers';

const SIDEBAR = '#jp-mlp-collaboration';
const CELL = '.jp-Notebook .jp-Cell';

async function openCollaboration(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('mlplatform:open-collaboration');
  });
  await expect(page.locator(SIDEBAR)).toBeVisible();
}

/**
 * Click cell `index`'s prompt, as a person does: the cell becomes the active
 * one, in command mode. Also for the second browser, which is a plain page
 * without galata's notebook helpers; and a real click is what stops
 * following.
 */
async function selectCell(page: Page, index: number): Promise<void> {
  // eslint-disable-next-line jupyter/galata-prefer-notebook-cell-helper
  await page.locator(CELL).nth(index).locator('.jp-InputPrompt').click();
}

test.describe('Collaboration panel', () => {
  test('lists us, on our notebook and cell', async ({ page, tmpPath }) => {
    await openNewNotebook(page, tmpPath, 'presence.ipynb');
    await openCollaboration(page);

    const self = page.locator(`${SIDEBAR} .jp-mlp-Person.jp-mod-self`);
    await expect(self).toContainText('(you)');
    // A new notebook starts with its cell in edit mode...
    const where = self.locator('.jp-mlp-Person-where');
    await expect(where).toHaveText('presence.ipynb · cell 1 · editing');
    // ...and in command mode we are on the cell, not typing in it.
    await page.keyboard.press('Escape');
    await expect(where).toHaveText('presence.ipynb · cell 1');
    // Nobody to follow: no Follow button on our own row.
    await expect(self.locator('.jp-mlp-Person-follow')).toHaveCount(0);
  });

  test('shows a second person on their cell, follows them, and shows their run', async ({
    page,
    browser,
    tmpPath
  }) => {
    // Given a notebook with three cells, open here
    const path = await openNewNotebook(page, tmpPath, 'shared.ipynb');
    await page.notebook.setCell(0, 'code', 'a = 1');
    await page.notebook.addCell('code', 'b = 2');
    await page.notebook.addCell('code', 'c = 3');
    await selectCell(page, 0);
    await openCollaboration(page);

    // And someone else with it open, on its third cell
    const context = await browser.newContext();
    const other = await context.newPage();
    await other.goto(`/lab/tree/${path}`);
    await expect(other.locator(CELL)).toHaveCount(3, { timeout: 60_000 });
    await selectCell(other, 2);

    // Then they are listed on that cell
    const otherName = await other.evaluate(async () => {
      const user = window.jupyterapp.serviceManager.user;
      await user.ready;
      return user.identity!.display_name;
    });
    const row = page.locator(`${SIDEBAR} .jp-mlp-Person:not(.jp-mod-self)`, {
      hasText: otherName
    });
    await expect(row.locator('.jp-mlp-Person-where')).toHaveText(
      'shared.ipynb · cell 3',
      { timeout: 30_000 }
    );

    // When we follow them, our view goes to their cell, and where they go
    await row.locator('.jp-mlp-Person-follow').click();
    await expect(page.locator(`${SIDEBAR} .jp-mlp-FollowBanner`)).toBeVisible();
    await expect(page.locator(CELL).nth(2)).toHaveClass(/jp-mod-active/);
    await selectCell(other, 1);
    await expect(page.locator(CELL).nth(1)).toHaveClass(/jp-mod-active/);

    // Until we click in our notebook ourselves
    await selectCell(page, 0);
    await expect(page.locator(`${SIDEBAR} .jp-mlp-FollowBanner`)).toHaveCount(
      0
    );
    await selectCell(other, 2);
    await expect(row.locator('.jp-mlp-Person-where')).toHaveText(
      'shared.ipynb · cell 3'
    );
    await expect(page.locator(CELL).nth(0)).toHaveClass(/jp-mod-active/);

    // Clicking them takes us to their cell, once
    await row.locator('.jp-mlp-Person-open').click();
    await expect(page.locator(CELL).nth(2)).toHaveClass(/jp-mod-active/);
    await expect(page.locator(`${SIDEBAR} .jp-mlp-FollowBanner`)).toHaveCount(
      0
    );

    // And the cell they run shows in our activity feed
    await other.keyboard.press('Shift+Enter');
    await expect(
      page
        .locator(`${SIDEBAR} .jp-mlp-ActivityItem-text`, {
          hasText: /ran cell 3 of shared\.ipynb/
        })
        .filter({ hasText: otherName })
    ).toBeVisible({ timeout: 60_000 });

    await context.close();
  });
});
