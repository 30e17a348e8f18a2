import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { infraEnv } from '@app/testing';

export interface AdapterCase<T> {
  readonly name: string;
  readonly open: () => Promise<{ readonly subject: T; readonly close: () => Promise<void> }>;
}

/** In-memory always; MongoDB (or FerretDB) when MONGO_URL is set, each suite in a fresh database dropped afterwards. */
export function adapterCases<T>(
  inMemory: () => T,
  mongo: (connection: Connection) => Promise<T>,
): ReadonlyArray<[string, AdapterCase<T>]> {
  const cases: Array<[string, AdapterCase<T>]> = [
    [
      'in-memory',
      { name: 'in-memory', open: () => Promise.resolve({ subject: inMemory(), close: async () => {} }) },
    ],
  ];
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
