import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { TOPICS } from '@app/contracts';
import { EVENT_STORE_CLIENT } from '@app/event-store';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import {
  loadRequestSigningKeys,
  ServiceInfrastructureModule,
  type ResolvedInfrastructure,
} from '@app/platform';
import { IdentityCommandHandler } from './commands/identity-command-handler';
import { IdentityCommandServer } from './commands/identity-command-server';
import { readIdentityConfig, type IdentityConfig } from './config/identity.config';
import { PasswordManagement } from './credentials/password-management';
import { JwksController } from './http/jwks.controller';
import { createIdentityComponents, type IdentityComponents } from './identity-components';
import { identityRelay } from './publishing/identity-relay';
import { MembershipReactions } from './reactions/membership-reactions';
import { RefreshTokens } from './sessions/refresh-tokens';
import { openSecretStores, type SecretStores } from './shared/secret-stores';
import { AccessTokenService } from './tokens/access-token.service';

const SECRET_STORES = Symbol('SECRET_STORES');
const COMPONENTS = Symbol('IDENTITY_COMPONENTS');

export interface IdentityModuleOptions {
  readonly config?: IdentityConfig;
  /** Keep password hashes, TOTP secrets and keys under the data directory when MongoDB is not configured (default). */
  readonly persistSecrets?: boolean;
}

class IdentityLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(COMPONENTS) private readonly components: IdentityComponents,
    @Inject(SECRET_STORES) private readonly stores: SecretStores,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.components.close();
    await this.stores.close();
  }
}

@Module({})
export class IdentityModule {
  static register(infra: ResolvedInfrastructure, options: IdentityModuleOptions = {}): DynamicModule {
    const persist = options.persistSecrets ?? true;
    const dataDir = persist ? infra.dataDir : undefined;
    return {
      module: IdentityModule,
      imports: [
        ServiceInfrastructureModule.register(infra, {
          service: 'identity',
          topics: [
            TOPICS.identityUsers,
            TOPICS.identityCommands,
            TOPICS.membershipOrganizations,
            TOPICS.membershipCommands,
            TOPICS.notificationCommands,
          ],
          // Readiness then covers the MongoDB that holds the secrets (same server, database `identity`).
          readStore: true,
        }),
      ],
      controllers: [JwksController],
      providers: [
        {
          provide: SECRET_STORES,
          useFactory: () =>
            openSecretStores({ ...(infra.mongoUrl ? { mongoUrl: infra.mongoUrl } : {}), dataDir }),
        },
        {
          provide: COMPONENTS,
          inject: [EVENT_STORE_CLIENT, MESSAGE_BUS, SECRET_STORES],
          useFactory: (client: EventStoreDBClient, bus: MessageBus, stores: SecretStores) =>
            createIdentityComponents({
              config: options.config ?? readIdentityConfig(),
              client,
              bus,
              stores,
              requestKeys: loadRequestSigningKeys({ dataDir: infra.dataDir }),
              ...(dataDir ? { dataDir } : {}),
            }),
        },
        {
          provide: IdentityCommandHandler,
          inject: [COMPONENTS],
          useFactory: (c: IdentityComponents) => c.handler,
        },
        {
          provide: RefreshTokens,
          inject: [COMPONENTS],
          useFactory: (c: IdentityComponents) => c.refreshTokens,
        },
        {
          provide: PasswordManagement,
          inject: [COMPONENTS],
          useFactory: (c: IdentityComponents) => c.services.passwords,
        },
        {
          provide: AccessTokenService,
          inject: [COMPONENTS],
          useFactory: (c: IdentityComponents) => c.services.accessTokens,
        },
        IdentityLifecycle,
        IdentityCommandServer,
        identityRelay,
        MembershipReactions,
      ],
    };
  }
}
