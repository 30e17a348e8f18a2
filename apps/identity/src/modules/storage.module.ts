import {
  Inject,
  Injectable,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  AggregateStore,
  EVENT_STORE_CLIENT,
  STORED_DATA_PROTECTION,
  followIntoMemory,
  type InMemoryIndex,
  type StoredDataProtection,
} from '@app/event-store';
import { PERSONAL_DATA } from '@app/platform';
import { type PersonalData } from '@app/personal-data';
import { IdentifierReservations } from '../accounts/identifier-reservations';
import { LoginIndex } from '../accounts/login-index';
import { OwnedOrganizations } from '../accounts/owned-organizations';
import { UserAccounts } from '../accounts/user-accounts';
import { openSecretStores, type SecretStores } from '../shared/secret-stores';
import {
  CREDENTIAL_STORE,
  ONE_TIME_TOKEN_STORE,
  REFRESH_TOKEN_STORE,
  SECRET_STORES,
  THROTTLE_STORE,
  TWO_FACTOR_STORE,
} from './identity-tokens';

/** Follows the event store into the login and owned-organization indexes: one pass feeds both. */
@Injectable()
export class IdentityIndexes implements OnApplicationShutdown {
  readonly follower: InMemoryIndex;

  constructor(
    @Inject(EVENT_STORE_CLIENT) client: EventStoreDBClient,
    readonly logins: LoginIndex,
    readonly ownedOrganizations: OwnedOrganizations,
    @Optional() @Inject(STORED_DATA_PROTECTION) protection?: StoredDataProtection,
  ) {
    this.follower = followIntoMemory({
      name: 'identity-indexes',
      client,
      ...(protection ? { protection } : {}),
      apply: (event) => {
        ownedOrganizations.apply(event);
        logins.apply(event as never);
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower.stop();
  }
}

class SecretStoresLifecycle implements OnApplicationShutdown {
  constructor(@Inject(SECRET_STORES) private readonly stores: SecretStores) {}
  async onApplicationShutdown(): Promise<void> {
    await this.stores.close();
  }
}

/**
 * Where identity keeps things: the user and reservation streams in the event store, the indexes folded from them,
 * and the secrets that never go into events (MongoDB, or files and journals under the data directory).
 */
@Module({})
export class IdentityStorageModule {
  static register(options: { mongoUrl?: string; dataDir?: string }): DynamicModule {
    const store = (token: symbol, pick: (stores: SecretStores) => unknown) => ({
      provide: token,
      inject: [SECRET_STORES],
      useFactory: pick,
    });
    return {
      module: IdentityStorageModule,
      global: true,
      providers: [
        { provide: SECRET_STORES, useFactory: () => openSecretStores(options) },
        SecretStoresLifecycle,
        store(CREDENTIAL_STORE, (s) => s.credentials),
        store(TWO_FACTOR_STORE, (s) => s.twoFactor),
        store(REFRESH_TOKEN_STORE, (s) => s.refreshTokens),
        store(ONE_TIME_TOKEN_STORE, (s) => s.oneTimeTokens),
        store(THROTTLE_STORE, (s) => s.throttle),
        LoginIndex,
        OwnedOrganizations,
        IdentityIndexes,
        {
          provide: IdentifierReservations,
          inject: [AggregateStore, PERSONAL_DATA],
          useFactory: (aggregates: AggregateStore, personalData: PersonalData) =>
            new IdentifierReservations(aggregates, personalData.pseudonyms),
        },
        {
          provide: UserAccounts,
          inject: [AggregateStore, IdentifierReservations, LoginIndex],
          useFactory: (
            aggregates: AggregateStore,
            reservations: IdentifierReservations,
            logins: LoginIndex,
          ) => new UserAccounts(aggregates, reservations, logins),
        },
      ],
      exports: [
        CREDENTIAL_STORE,
        TWO_FACTOR_STORE,
        REFRESH_TOKEN_STORE,
        ONE_TIME_TOKEN_STORE,
        THROTTLE_STORE,
        IdentityIndexes,
        IdentifierReservations,
        UserAccounts,
      ],
    };
  }
}
