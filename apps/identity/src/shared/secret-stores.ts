import mongoose, { type Connection } from 'mongoose';
import {
  InMemoryCredentialStore,
  MongoCredentialStore,
  type CredentialStore,
} from '../credentials/credential.store';
import { MongoOneTimeTokenStore } from '../one-time-tokens/mongo-one-time-token.store';
import { InMemoryOneTimeTokenStore, type OneTimeTokenStore } from '../one-time-tokens/one-time-token.store';
import { MongoRefreshTokenStore } from '../sessions/mongo-refresh-token.store';
import { InMemoryRefreshTokenStore, type RefreshTokenStore } from '../sessions/refresh-token.store';
import { MongoThrottleStore } from '../throttling/mongo-throttle.store';
import { InMemoryThrottleStore, type ThrottleStore } from '../throttling/throttle.store';
import { MongoTwoFactorStore } from '../two-factor/mongo-two-factor.store';
import { InMemoryTwoFactorStore, type TwoFactorStore } from '../two-factor/two-factor.store';
import { dataDirSessionStores } from './data-dir-stores';
import { FileCredentialStore, FileTwoFactorStore } from './file-secret-stores';

/** Identity's own collections: secrets and session state, never in events. */
export interface SecretStores {
  readonly credentials: CredentialStore;
  readonly twoFactor: TwoFactorStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly oneTimeTokens: OneTimeTokenStore;
  readonly throttle: ThrottleStore;
  close(): Promise<void>;
}

/**
 * MongoDB when MONGO_URL is set. Otherwise the embedded default, everything under the data directory: hashes and
 * TOTP secrets in files, sessions, links and throttling in journals, so a restart keeps people signed in and keeps
 * counting failed logins. `dataDir: undefined` keeps everything in memory (tests).
 */
export async function openSecretStores(options: {
  mongoUrl?: string;
  dataDir?: string;
}): Promise<SecretStores> {
  if (options.mongoUrl) {
    const connection: Connection = await mongoose
      .createConnection(options.mongoUrl, { dbName: 'identity', serverSelectionTimeoutMS: 10_000 })
      .asPromise();
    const stores = {
      credentials: new MongoCredentialStore(connection),
      twoFactor: new MongoTwoFactorStore(connection),
      refreshTokens: new MongoRefreshTokenStore(connection),
      oneTimeTokens: new MongoOneTimeTokenStore(connection),
      throttle: new MongoThrottleStore(connection),
    };
    await Promise.all([
      stores.twoFactor.ensureIndexes(),
      stores.refreshTokens.ensureIndexes(),
      stores.oneTimeTokens.ensureIndexes(),
      stores.throttle.ensureIndexes(),
    ]);
    return { ...stores, close: () => connection.close() };
  }
  const dataDir = options.dataDir;
  if (dataDir) {
    return {
      credentials: new FileCredentialStore(dataDir),
      twoFactor: new FileTwoFactorStore(dataDir),
      ...dataDirSessionStores(dataDir),
      close: async () => {},
    };
  }
  return {
    credentials: new InMemoryCredentialStore(),
    twoFactor: new InMemoryTwoFactorStore(),
    refreshTokens: new InMemoryRefreshTokenStore(),
    oneTimeTokens: new InMemoryOneTimeTokenStore(),
    throttle: new InMemoryThrottleStore(),
    close: async () => {},
  };
}
