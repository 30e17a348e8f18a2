#!/usr/bin/env node
// The auditor's CLI as an installed command: the compiled build when there is one (the image), else the sources.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '../dist/scripts/audit/main.js');
if (existsSync(built)) require(built);
else {
  require('@swc-node/register');
  require('../scripts/audit/main.ts');
}
