/** Removes the run's temporary folder (temp-root.setup.js) once every suite has stopped what it started. */
const { rmSync } = require('node:fs');

module.exports = function removeTempRoot() {
  const root = process.env.TEST_TEMP_ROOT;
  if (!root) return;
  try {
    // A process a failed suite left running may still be writing there: retried, and never failing the run for it.
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    console.warn(`could not remove ${root}: ${error instanceof Error ? error.message : String(error)}`);
  }
};
