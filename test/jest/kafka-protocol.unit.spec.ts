import { dirname, join, resolve } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { kafkaRequestModules } = require('./kafka-protocol.setup.js') as {
  kafkaRequestModules: () => string[];
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { requests, lookup } = require('kafkajs/src/protocol/requests') as {
  requests: Record<string, { versions: string[]; protocol: unknown }>;
  lookup: (
    versions: Record<number, { minVersion: number; maxVersion: number }>,
  ) => (apiKey: number, definition: unknown) => () => unknown;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const apiKeys = require('kafkajs/src/protocol/requests/apiKeys') as Record<string, number>;

const requestsDir = dirname(require.resolve('kafkajs/src/protocol/requests'));

/** The modules kafkajs requires when it first builds a request of each kind, as read from the version it picks. */
function modulesKafkajsLoads(): string[] {
  const everyVersion = Object.fromEntries(
    Object.values(apiKeys).map((key) => [key, { minVersion: 0, maxVersion: 99 }]),
  );
  const pick = lookup(everyVersion);
  const loaded: string[] = [];
  for (const [name, definition] of Object.entries(requests)) {
    if (definition.versions.length === 0) continue; // not implemented by kafkajs
    const build = pick(apiKeys[name]!, definition);
    const apiDir = join(requestsDir, folderOf(name));
    for (const [, relative] of build.toString().matchAll(/require\('(\.\/v\d+\/(?:request|response))'\)/g)) {
      loaded.push(resolve(apiDir, `${relative}.js`));
    }
  }
  return loaded;
}

/** kafkajs's folder for a request name: `GroupCoordinator` lives in `findCoordinator`, the rest in camelCase. */
const folderOf = (name: string) =>
  name === 'GroupCoordinator' ? 'findCoordinator' : `${name[0]!.toLowerCase()}${name.slice(1)}`;

describe('the Kafka protocol modules loaded before each suite (test/jest/kafka-protocol.setup.js)', () => {
  it('are every request and response module kafkajs loads against a broker that supports every version', () => {
    const loads = modulesKafkajsLoads();
    expect(loads.length).toBeGreaterThan(40);
    expect(kafkaRequestModules()).toEqual(expect.arrayContaining(loads));
  });
});
