/** Removes the run's temporary folder (temp-root.setup.js) once every suite has stopped what it started. */
const { rmSync } = require('node:fs');

module.exports = function removeTempRoot() {
  const root = process.env.TEST_TEMP_ROOT;
  if (root) rmSync(root, { recursive: true, force: true });
};
