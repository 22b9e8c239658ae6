/**
 * The Experiments panel speed measurement (`make bench-ui`): the same server
 * and browser as the tests, one long "test" that seeds data and prints the
 * figures. Not part of `make test`: nothing here asserts a timing.
 */
const config = require('./playwright.config');

module.exports = {
  ...config,
  testDir: './measure',
  timeout: 20 * 60 * 1000,
  use: { ...config.use, viewport: { width: 1440, height: 900 } }
};
