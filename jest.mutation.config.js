/**
 * The unit tests of the domain core, for mutation testing (StrykerJS): the organization and user deciders, the
 * organization state, the domain claims, the permissions catalog and the roster. One Jest project, no I/O.
 */
const base = require('./jest.config.js').projects.find((p) => p.displayName === 'unit');

module.exports = {
  ...base,
  displayName: 'mutation',
  // The property suites (*.properties.unit.spec.ts) cover nearly every mutant, so each mutant would pay for them; the
  // example tests must notice a broken rule on their own.
  // It runs inside Stryker's sandbox (under .stryker-tmp/), which the other projects ignore.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '\\.properties\\.unit\\.spec\\.ts$'],
  modulePathIgnorePatterns: [],
  testMatch: [
    '<rootDir>/apps/membership/src/organizations/**/*.unit.spec.ts',
    '<rootDir>/apps/identity/src/users/*.unit.spec.ts',
    '<rootDir>/libs/permissions/src/*.unit.spec.ts',
  ],
};
