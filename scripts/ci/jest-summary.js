#!/usr/bin/env node
// Adds up Jest JSON reports and prints the plain closing line CI reads: "jest: N passed, N failed, N skipped".
const fs = require('node:fs');
let passed = 0,
  failed = 0,
  skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) {
    failed += 1;
    console.error(`missing report ${file}`);
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
