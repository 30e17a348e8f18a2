/**
 * Loads, before a suite's code, the Kafka protocol modules kafkajs otherwise requires on first use. Jest 30 refuses a
 * `require` made between two tests (or between a hook and a test), and a consumer's first heartbeat or fetch of a
 * request version can fall in that window: the consumer then stops on "You are trying to `require` a file outside of
 * the scope of the test code", and a reply consumer restarting in the middle of a suite left its requester waiting
 * past its timeout. Modules already in the suite's registry are not loaded again, so nothing is required late.
 *
 * kafkajs asks each broker for the newest version it implements (every broker these tests run supports them), so the
 * newest version of each request is what gets loaded; `kafkaRequestModules()` is checked against kafkajs's own choice.
 */
const { existsSync, readdirSync } = require('node:fs');
const { dirname, join } = require('node:path');

const requestsDir = join(dirname(require.resolve('kafkajs/package.json')), 'src', 'protocol', 'requests');

function kafkaRequestModules() {
  const modules = [];
  for (const api of readdirSync(requestsDir, { withFileTypes: true })) {
    if (!api.isDirectory()) continue;
    const versions = readdirSync(join(requestsDir, api.name))
      .filter((name) => /^v\d+$/.test(name))
      .map((name) => Number(name.slice(1)));
    if (versions.length === 0) continue;
    const newest = join(requestsDir, api.name, `v${Math.max(...versions)}`);
    for (const file of ['request.js', 'response.js']) {
      if (existsSync(join(newest, file))) modules.push(join(newest, file));
    }
  }
  return modules;
}

module.exports = { kafkaRequestModules };

for (const path of kafkaRequestModules()) require(path);
