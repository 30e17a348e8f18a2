/** One Jest run, five projects: unit (no I/O), contract (each port against each adapter), int, e2e and browser. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // ESM-only dependencies (jose, and content-disposition under @fastify/static) are compiled to CommonJS like our
  // own code: Node 20 loads them with require(esm), Jest does not.
  transform: { '^.+\\.(ts|js)$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!(jose|content-disposition)/)(?!@fastify/static/node_modules/content-disposition/)',
  ],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@app/([^/]+)$': '<rootDir>/libs/$1/src',
    '^@app/([^/]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.infra/', '/.stryker-tmp/'],
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/', '<rootDir>/dist/'],
};
const project = (name, pattern, extra = {}) => ({
  ...base,
  displayName: name,
  testMatch: [`<rootDir>/{apps,libs,bench,test}/**/*.${pattern}.spec.ts`],
  ...extra,
});
/** Suites that may talk to Kafka load kafkajs's protocol modules first (test/jest/kafka-protocol.setup.js says why). */
const withKafka = { setupFiles: ['<rootDir>/test/jest/kafka-protocol.setup.js'] };
module.exports = {
  projects: [
    project('unit', 'unit'),
    project('contract', 'contract', withKafka),
    project('int', 'int', withKafka),
    project('e2e', 'e2e', {
      ...withKafka,
      setupFilesAfterEnv: ['<rootDir>/test/jest/close-left-open.setup.ts'],
    }),
    // The console in a real browser against `npm start` (the embedded default, fixed ports): only `npm test` runs it.
    project('browser', 'browser'),
  ],
  // Global, not per project: integration suites start servers and brokers.
  testTimeout: 30_000,
  globalSetup: '<rootDir>/test/jest/temp-root.setup.js',
  globalTeardown: '<rootDir>/test/jest/temp-root.teardown.js',
};
