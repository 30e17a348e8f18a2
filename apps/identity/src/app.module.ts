import { Module, type DynamicModule } from '@nestjs/common';
import { join } from 'node:path';
import { TOPICS } from '@app/contracts';
import { RequestVerifier, type SendersKeys } from '@app/messaging';
import { loadSendersKeys, ServiceInfrastructureModule, type ResolvedInfrastructure } from '@app/platform';
import { AccountManagement } from './accounts/account-management';
import { Registration } from './accounts/registration';
import { IdentityCommandHandler } from './commands/identity-command-handler';
import { IdentityCommandServer } from './commands/identity-command-server';
import { readIdentityConfig, type IdentityConfig } from './config/identity.config';
import { PasswordManagement } from './credentials/password-management';
import { JwksController } from './http/jwks.controller';
import { LoginService } from './login/login.service';
import { IDENTITY_CONFIG, KEY_DIR, REQUEST_SIGNING_KEYS } from './modules/identity-tokens';
import { IdentityStorageModule } from './modules/storage.module';
import { IdentityUseCasesModule } from './modules/use-cases.module';
import { identityRelay } from './publishing/identity-relay';
import { auditCheckpointsProvider } from '@app/audit';
import { PUBLIC_EVENT_MAPPINGS } from '@app/relay';
import { MembershipReactions } from './reactions/membership-reactions';
import { SessionRefresh } from './sessions/session-refresh';
import { AccessTokenService } from './tokens/access-token.service';
import { TwoFactorEnrollment } from './two-factor/two-factor-enrollment';
import { sealUserPersonalFields } from './users/personal-fields';

export interface IdentityModuleOptions {
  readonly config?: IdentityConfig;
  /** Keep password hashes, TOTP secrets, sessions and keys under the data directory when MongoDB is not configured (default). */
  readonly persistSecrets?: boolean;
}

/**
 * The configuration every identity module reads: settings, the development key directory, and the request keys of the
 * gateway (whose requests it takes) and its own (it signs what it asks membership).
 */
@Module({})
class IdentityConfigModule {
  static register(config: IdentityConfig, keyDir: string | undefined, keys: SendersKeys): DynamicModule {
    return {
      module: IdentityConfigModule,
      global: true,
      providers: [
        { provide: IDENTITY_CONFIG, useValue: config },
        { provide: KEY_DIR, useValue: keyDir },
        { provide: REQUEST_SIGNING_KEYS, useValue: keys },
      ],
      exports: [IDENTITY_CONFIG, KEY_DIR, REQUEST_SIGNING_KEYS],
    };
  }
}

/**
 * The identity service: its infrastructure, storage, use cases, and the edges that reach them - the command server on
 * `identity.commands.v1`, the JWKS endpoint, the relay of user events and the reactions to membership.
 */
@Module({})
export class IdentityModule {
  static register(infra: ResolvedInfrastructure, options: IdentityModuleOptions = {}): DynamicModule {
    const persist = options.persistSecrets ?? true;
    const dataDir = persist ? infra.dataDir : undefined;
    const config = options.config ?? readIdentityConfig();
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
          sealing: () => ({ events: [sealUserPersonalFields] }),
        }),
        IdentityConfigModule.register(
          config,
          dataDir ? join(dataDir, 'identity') : undefined,
          loadSendersKeys({ dataDir: infra.dataDir, senders: ['gateway', 'identity'] }),
        ),
        IdentityStorageModule.register({ ...(infra.mongoUrl ? { mongoUrl: infra.mongoUrl } : {}), dataDir }),
        IdentityUseCasesModule,
      ],
      controllers: [JwksController],
      providers: [
        {
          provide: IdentityCommandHandler,
          inject: [
            Registration,
            AccountManagement,
            PasswordManagement,
            LoginService,
            SessionRefresh,
            TwoFactorEnrollment,
            AccessTokenService,
            REQUEST_SIGNING_KEYS,
          ],
          useFactory: (
            registration: Registration,
            accounts: AccountManagement,
            passwords: PasswordManagement,
            login: LoginService,
            sessions: SessionRefresh,
            twoFactor: TwoFactorEnrollment,
            accessTokens: AccessTokenService,
            keys: SendersKeys,
          ) =>
            new IdentityCommandHandler(
              { registration, accounts, passwords, login, sessions, twoFactor, accessTokens },
              new RequestVerifier({ gateway: keys.gateway }),
              config.operators,
            ),
        },
        IdentityCommandServer,
        identityRelay,
        auditCheckpointsProvider('identity', [PUBLIC_EVENT_MAPPINGS.identity.streamPrefix]),
        MembershipReactions,
      ],
    };
  }
}
