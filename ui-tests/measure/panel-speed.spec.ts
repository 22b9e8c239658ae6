/*
 * Speed of the Experiments panel in Chromium, measured in the page with the
 * User Timing API and requestAnimationFrame (see bench/README.md):
 *
 * - panel opened to first rows visible, with 10,000 runs in the experiment;
 * - a 100,000-point metric history drawn after the data arrives (the default
 *   server-side downsampling, and every point);
 * - compare 20 runs x 10,000 steps, from the command to the chart drawn.
 *
 * It prints a table and writes ../bench/results/ui-latest.json. Nothing here
 * asserts a timing: the targets are printed next to the figures.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { IJupyterLabPageFixture, test } from '@jupyterlab/galata';

const API = '/mlplatform/api';
const REPEAT = 5;
/** Runs in the big experiment (`MEASURE_RUNS` to try the script faster). */
const RUNS = Number(process.env.MEASURE_RUNS ?? 10_000);

/** Fail with a message instead of hanging when a step never completes. */
async function step<T>(
  label: string,
  task: Promise<T>,
  seconds = 120
): Promise<T> {
  console.log(`measure: ${label}`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${label}: no result after ${seconds} s`)),
      seconds * 1000
    );
  });
  try {
    return await Promise.race([task, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface IFigure {
  name: string;
  p50: number;
  min: number;
  max: number;
  samples: number[];
  target: string;
}

const figures: IFigure[] = [];

function record(name: string, samples: number[], target: string): void {
  const sorted = [...samples].sort((a, b) => a - b);
  figures.push({
    name,
    p50: sorted[Math.floor((sorted.length - 1) / 2)],
    min: sorted[0],
    max: sorted[sorted.length - 1],
    samples,
    target
  });
}

/**
 * Seed the server from inside the page with `fetch` and 16 requests in
 * flight (Playwright's request API is far slower for 20,000 requests).
 */
async function seed(page: IJupyterLabPageFixture) {
  return page.evaluate(
    async ({ api, runs }) => {
      const post = async (route: string, data: unknown) => {
        const reply = await fetch(`${api}/${route}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(data)
        });
        if (!reply.ok) {
          throw new Error(`${route}: ${reply.status} ${await reply.text()}`);
        }
        return reply.json();
      };
      const pool = async (
        count: number,
        width: number,
        task: (i: number) => Promise<void>
      ) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: width }, async () => {
            while (next < count) {
              await task(next++);
            }
          })
        );
      };
      const stamp = Date.now();
      const models = ['rf', 'svm', 'knn', 'xgb', 'lr', 'mlp'];
      const many = await post('experiments', { name: `speed-10k-${stamp}` });
      await pool(runs, 16, async i => {
        const run = await post('runs', {
          experiment_id: many.experiment_id,
          name: `run-${i}`,
          params: { model: models[i % 6], lr: 10 ** -(1 + (i % 4)) }
        });
        await post(`runs/${run.run_id}/log`, {
          metrics: [
            { key: 'acc', value: ((i * 7919) % 1000) / 1000, step: 0 },
            { key: 'loss', value: ((i * 104729) % 1000) / 500, step: 0 }
          ]
        });
      });

      const long = await post('experiments', { name: `speed-100k-${stamp}` });
      const longRun = await post('runs', {
        experiment_id: long.experiment_id,
        name: 'history-100k'
      });
      for (let start = 0; start < 100_000; start += 10_000) {
        await post(`runs/${longRun.run_id}/log`, {
          metrics: Array.from({ length: 10_000 }, (_, j) => {
            const step = start + j;
            return {
              key: 'loss',
              value: Math.exp(-step / 20_000) + 0.05 * Math.sin(step),
              step
            };
          })
        });
      }

      const twenty = await post('experiments', {
        name: `speed-compare-${stamp}`
      });
      const compareIds: string[] = [];
      for (let r = 0; r < 20; r++) {
        const run = await post('runs', {
          experiment_id: twenty.experiment_id,
          name: `cmp-${r}`,
          params: { lr: 0.001 * (r + 1) }
        });
        await post(`runs/${run.run_id}/log`, {
          metrics: Array.from({ length: 10_000 }, (_, step) => ({
            key: 'loss',
            value:
              (1 + r / 10) * Math.exp(-step / 3000) + 0.02 * Math.cos(step / 7),
            step
          }))
        });
        compareIds.push(run.run_id);
      }
      return {
        manyId: many.experiment_id as string,
        longRunId: longRun.run_id as string,
        compareIds
      };
    },
    { api: API, runs: RUNS }
  );
}

/** Resolve after the next frame is painted once `selector` matches. */
async function timeUntilRows(
  page: IJupyterLabPageFixture,
  experimentId: string
) {
  return page.evaluate(async id => {
    const start = performance.now();
    void window.jupyterapp.commands.execute('mlplatform:open-experiments', {
      experimentIds: [id]
    });
    await new Promise<void>(resolve => {
      const check = () => {
        const row = document.querySelector(
          '#jp-mlp-experiments-panel .jp-mlp-RunsTable-row'
        );
        if (row) {
          requestAnimationFrame(() => resolve());
        } else {
          requestAnimationFrame(check);
        }
      };
      check();
    });
    return performance.now() - start;
  }, experimentId);
}

async function closePanels(page: IJupyterLabPageFixture) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('application:close-all');
  });
}

/**
 * Run `open` (which starts loading charts), then wait until `charts` charts
 * have drawn after the last histories arrived. Returns [from start to drawn,
 * from data arrival to drawn], in ms.
 */
async function timeCharts(
  page: IJupyterLabPageFixture,
  command: string,
  args: Record<string, string | string[]>,
  charts: number,
  clickCharts: boolean
): Promise<[number, number]> {
  return page.evaluate(
    async ({ command, args, charts, clickCharts }) => {
      performance.clearMarks();
      const start = performance.now();
      await window.jupyterapp.commands.execute(command, args);
      if (clickCharts) {
        const tab = await new Promise<HTMLElement>(resolve => {
          const find = () => {
            const el = [
              ...document.querySelectorAll<HTMLElement>(
                '.jp-mlp-RunPanel [role=tab]'
              )
            ].find(t => t.textContent === 'Charts' && t.offsetParent !== null);
            if (el) {
              resolve(el);
            } else {
              requestAnimationFrame(find);
            }
          };
          find();
        });
        tab.click();
      }
      return new Promise<[number, number]>(resolve => {
        const check = () => {
          const received = performance.getEntriesByName(
            'mlp:histories-received'
          );
          const arrived = received.length
            ? received[received.length - 1].startTime
            : null;
          const drawn =
            arrived === null
              ? []
              : performance
                  .getEntriesByName('mlp:chart-drawn')
                  .filter(m => m.startTime >= arrived);
          if (arrived !== null && drawn.length >= charts) {
            const done = drawn[charts - 1].startTime;
            resolve([done - start, done - arrived]);
          } else {
            requestAnimationFrame(check);
          }
        };
        check();
      });
    },
    { command, args, charts, clickCharts }
  );
}

/** Set the "points per chart line" setting (null: the default) in the page. */
async function setChartPoints(
  page: IJupyterLabPageFixture,
  points: number | null
) {
  await closePanels(page);
  await page.evaluate(async value => {
    const registry = await window.galata.getPlugin(
      '@jupyterlab/apputils-extension:settings'
    );
    const id = 'jupyterlab-mlplatform:experiments';
    if (value === null) {
      await registry!.remove(id, 'chartMaxPoints');
    } else {
      await registry!.set(id, 'chartMaxPoints', value);
    }
  }, points);
}

/**
 * Start MLflow's server with the same 10,000 runs (bench/mlflow_ui_server.py,
 * in the Python of the environment: `make bench-ui` installs MLflow).
 */
async function startMlflow(
  runs: number
): Promise<{ process: ChildProcess; url: string; experimentId: string }> {
  const script = path.resolve(__dirname, '../../bench/mlflow_ui_server.py');
  const child = spawn(
    process.env.PYTHON ?? 'python',
    [script, '--runs', String(runs)],
    {
      stdio: ['pipe', 'pipe', 'inherit']
    }
  );
  const first = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\n');
      if (end >= 0) {
        resolve(buffer.slice(0, end));
      }
    });
    child.once('exit', code =>
      reject(new Error(`MLflow fixture exited with ${code}`))
    );
  });
  const info = JSON.parse(first);
  return { process: child, url: info.url, experimentId: info.experiment_id };
}

/**
 * From navigation start to the first run name in the page's text, measured
 * in the page (`performance.now()` counts from the navigation).
 */
async function timeSinceNavigation(
  target: IJupyterLabPageFixture | import('@playwright/test').Page,
  pattern: string
): Promise<number> {
  return target.evaluate(
    source =>
      new Promise<number>(resolve => {
        const re = new RegExp(source);
        const check = () => {
          if (re.test(document.body?.textContent ?? '')) {
            requestAnimationFrame(() => resolve(performance.now()));
          } else {
            setTimeout(check, 10);
          }
        };
        check();
      }),
    pattern
  );
}

// The layout goes to the server's workspace, so a fresh page restores the panel.
test.use({ mockState: false });

test('Experiments panel speed', async ({ page }) => {
  const seeded = await step('seeding', seed(page), 900);

  // 1. Panel opened to first rows visible, 10,000 runs.
  const cold = await step('first open', timeUntilRows(page, seeded.manyId));
  const warm: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    await closePanels(page);
    warm.push(await step('reopen', timeUntilRows(page, seeded.manyId)));
  }
  record(
    'panel open -> first rows (10k runs), first open',
    [cold],
    '<= 1000 ms'
  );
  record('panel open -> first rows (10k runs), reopened', warm, '<= 1000 ms');

  // 2. A 100,000-point history, and 3. compare 20 runs x 10,000 steps: with
  // the default downsampling, then with every point.
  const charts: Array<{
    name: string;
    command: string;
    args: Record<string, string | string[]>;
    clickCharts: boolean;
    targets: { drawn: string; total: string };
  }> = [
    {
      name: '100k history',
      command: 'mlplatform:open-run',
      args: { runId: seeded.longRunId },
      clickCharts: true,
      targets: { drawn: '<= 200 ms', total: '' }
    },
    {
      name: 'compare 20 x 10k',
      command: 'mlplatform:compare-runs',
      args: { runIds: seeded.compareIds },
      clickCharts: false,
      targets: { drawn: '', total: '<= 500 ms' }
    }
  ];
  for (const chart of charts) {
    for (const points of [null, 200_000]) {
      await step(`chart points ${points}`, setChartPoints(page, points));
      const total: number[] = [];
      const draw: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        await closePanels(page);
        const [t, d] = await step(
          chart.name,
          timeCharts(page, chart.command, chart.args, 1, chart.clickCharts)
        );
        total.push(t);
        draw.push(d);
      }
      const label = points === null ? 'downsampled' : 'every point';
      record(
        `${chart.name}, ${label}: data arrived -> drawn`,
        draw,
        chart.targets.drawn
      );
      record(
        `${chart.name}, ${label}: open -> drawn`,
        total,
        chart.targets.total
      );
    }
  }
  await setChartPoints(page, null);

  // 4. A page load to the first rows: ours (the panel restored with the
  // 10k-run experiment) and MLflow's web UI on the same 10,000 runs.
  await closePanels(page);
  await step('panel for reload', timeUntilRows(page, seeded.manyId));
  // Let JupyterLab save the layout (with the panel) to the server's workspace.
  await page.waitForTimeout(3000);
  const oursLoad: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    // A plain browser reload (galata's own reload waits for more than a load).
    await Promise.all([
      page.waitForEvent('load'),
      page.evaluate(() => location.reload())
    ]);
    oursLoad.push(
      await step('ours, page load', timeSinceNavigation(page, 'run-\\d+'))
    );
  }
  record(
    'page load -> first rows (10k runs), ours',
    oursLoad,
    'MLflow UI below'
  );
  if (process.env.MEASURE_MLFLOW !== '0') {
    const mlflow = await step(
      'MLflow server with 10k runs',
      startMlflow(RUNS),
      600
    );
    try {
      const other = await page.context().newPage();
      const mlflowLoad: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        await other.goto(
          `${mlflow.url}#/experiments/${mlflow.experimentId}/runs`
        );
        mlflowLoad.push(
          await step('MLflow UI', timeSinceNavigation(other, 'run-\\d{5}'), 300)
        );
      }
      record('page load -> first rows (10k runs), MLflow 3 UI', mlflowLoad, '');
      await other.close();
    } finally {
      mlflow.process.stdin?.end();
      mlflow.process.kill('SIGTERM');
    }
  }

  const lines = figures.map(
    f =>
      `${f.name.padEnd(62)} p50 ${f.p50.toFixed(0).padStart(6)} ms  ` +
      `(min ${f.min.toFixed(0)}, max ${f.max.toFixed(0)})  ${f.target}`
  );
  console.log(
    ['', 'Experiments panel speed (Chromium)', ...lines, ''].join('\n')
  );
  const out = path.resolve(__dirname, '../../bench/results/ui-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), figures }, null, 2)
  );
});
