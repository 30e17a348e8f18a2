import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import mongoose, { type Connection } from 'mongoose';
import { infraEnv, makeTempDir } from '@app/testing';

export interface AdapterCase<T> {
  readonly name: string;
  readonly open: () => Promise<{ readonly subject: T; readonly close: () => Promise<void> }>;
}

/**
 * In-memory always; kept under a data directory (the embedded default) when the store has that form; MongoDB (or
 * FerretDB) when MONGO_URL is set, each suite in a fresh database dropped afterwards.
 */
export function adapterCases<T>(
  inMemory: () => T,
  mongo: (connection: Connection) => Promise<T>,
  dataDir?: (dir: string) => T,
): ReadonlyArray<[string, AdapterCase<T>]> {
  const cases: Array<[string, AdapterCase<T>]> = [
    [
      'in-memory',
      { name: 'in-memory', open: () => Promise.resolve({ subject: inMemory(), close: async () => {} }) },
    ],
  ];
  if (dataDir)
    cases.push([
      'the data directory',
      {
        name: 'data-dir',
        open: async () => {
          const dir = await makeTempDir('identity-store');
          return { subject: dataDir(dir), close: () => rm(dir, { recursive: true, force: true }) };
        },
      },
    ]);
  const url = infraEnv.mongoUrl;
  if (url)
    cases.push([
      'mongodb',
      {
        name: 'mongodb',
        open: async () => {
          const connection = await mongoose
            .createConnection(url, {
              dbName: `identity-test-${randomUUID()}`,
              serverSelectionTimeoutMS: 10_000,
            })
            .asPromise();
          const subject = await mongo(connection);
          return {
            subject,
            close: async () => {
              await connection.dropDatabase().catch(() => undefined);
              await connection.close();
            },
          };
        },
      },
    ]);
  return cases;
}
