/**
 * Mutation testing of the domain core (`npm run test:mutation`): are the unit tests able to notice when a rule is
 * broken? CI fails under 85%. Incremental: results are kept in reports/stryker-incremental.json, committed, so a run
 * tests only the mutants of code (or tests) that changed since.
 */
export default {
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  mutate: [
    'apps/membership/src/organizations/organization.decider.ts',
    'apps/membership/src/organizations/organization.state.ts',
    'apps/membership/src/organizations/decide/*.ts',
    'apps/membership/src/organizations/roster-at.ts',
    'apps/membership/src/organizations/domain-claim.decider.ts',
    'libs/permissions/src/permissions-catalog.ts',
    'libs/permissions/src/role-defaults.ts',
    'apps/identity/src/users/user.decider.ts',
  ],
  thresholds: { high: 90, low: 85, break: 85 },
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  concurrency: 2,
  // The suite runs in about a second: a mutant that loops forever is cut after a few.
  timeoutMS: 3000,
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', '.data', '.infra', 'reports', 'coverage'],
};
