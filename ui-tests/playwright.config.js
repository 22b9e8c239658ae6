/**
 * Galata configuration: Debian's chromium (Playwright's own browsers are not
 * downloaded), the server on 127.0.0.1:8888, no video (needs ffmpeg).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  testDir: './tests',
  // Screenshots are compared against the committed ones with some slack
  // for anti-aliasing.
  expect: { toHaveScreenshot: { maxDiffPixelRatio: 0.01 } },
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL: 'http://127.0.0.1:8888',
    // Dates in the runs table are the same on every machine.
    locale: 'en-US',
    timezoneId: 'UTC',
    video: 'off',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: 'jlpm start',
    url: 'http://127.0.0.1:8888/lab',
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
