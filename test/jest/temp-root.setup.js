/**
 * One folder under the system's temporary directory for the folders tests make (`makeTempDir`, `tempRoot()` in
 * libs/testing), removed with the run (temp-root.teardown.js): suites that start servers leave their data behind
 * otherwise, a few hundred folders a run. Set in the environment before the workers start, so every worker sees it.
 * The same for whether the suites run one at a time.
 */
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = function makeTempRoot(globalConfig) {
  process.env.TEST_TEMP_ROOT = mkdtempSync(join(tmpdir(), 'platform-tests-'));
  // Whether suites run one after another (libs/testing/src/consumer-groups.ts moves shared consumer groups only then).
  process.env.TEST_SUITES_ONE_AT_A_TIME = String(globalConfig.maxWorkers === 1);
};
