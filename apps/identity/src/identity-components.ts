import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { AggregateStore, followIntoMemory, type InMemoryIndex } from '@app/event-store';
import {
  RequestReplyClient,
  RequestSigner,
  RequestVerifier,
  type MessageBus,
  type RequestSigningKeys,
} from '@app/messaging';
import { AccountManagement } from './accounts/account-management';
import { IdentifierReservations } from './accounts/identifier-reservations';
import { LoginIndex } from './accounts/login-index';
import { OwnedOrganizations } from './accounts/owned-organizations';
import { Registration } from './accounts/registration';
import { UserAccounts } from './accounts/user-accounts';
import { IdentityCommandHandler, type IdentityServices } from './commands/identity-command-handler';
import { type IdentityConfig } from './config/identity.config';
import { PasswordHasher } from './credentials/password-hasher';
import { PasswordManagement } from './credentials/password-management';
import { PasswordPolicy } from './credentials/password-policy';
import { MembershipInvitations } from './invitations/membership-invitations';
import { LoginService } from './login/login.service';
import { IdentityMail } from './notifying/identity-mail';
import { OneTimeTokens } from './one-time-tokens/one-time-tokens';
import { RefreshTokens } from './sessions/refresh-tokens';
import { SessionRefresh } from './sessions/session-refresh';
import { type SecretStores } from './shared/secret-stores';
import { LoginThrottle } from './throttling/login-throttle';
import { AccessTokenService } from './tokens/access-token.service';
import { loadSigningKey } from './tokens/signing-key';
import { loadTotpKey } from './two-factor/totp-key';
import { SecretCipher } from './two-factor/secret-cipher';
import { TwoFactorEnrollment } from './two-factor/two-factor-enrollment';
import { TwoFactorService } from './two-factor/two-factor.service';

export interface IdentityComponents {
  readonly handler: IdentityCommandHandler;
  readonly services: IdentityServices;
  readonly refreshTokens: RefreshTokens;
  /** Follows the event store into the login and owned-organization indexes. */
  readonly indexes: InMemoryIndex;
  close(): Promise<void>;
}

/** Every identity component, wired once: the Nest module, the tests and the benchmarks all build it here. */
export function createIdentityComponents(deps: {
  readonly config: IdentityConfig;
  readonly client: EventStoreDBClient;
  readonly bus: MessageBus;
  readonly stores: SecretStores;
  /** Keys of the requests between our services: identity verifies the gateway's and signs its own to membership. */
  readonly requestKeys: RequestSigningKeys;
  /** Where development keys are kept when none is configured; undefined = fresh keys in memory. */
  readonly dataDir?: string;
}): IdentityComponents {
  const { config, client, bus, stores } = deps;
  const keyDir = deps.dataDir ? join(deps.dataDir, 'identity') : undefined;
  const store = new AggregateStore(client);
  const reservations = new IdentifierReservations(store);
  const loginIndex = new LoginIndex();
  const owned = new OwnedOrganizations();
  // One pass over the store feeds both in-memory indexes.
  const follower = followIntoMemory({
    name: 'identity-indexes',
    client,
    apply: (event) => {
      owned.apply(event);
      loginIndex.apply(event as never);
    },
  });
  const accounts = new UserAccounts(store, reservations, loginIndex);
  const hasher = new PasswordHasher(config.argon2);
  const policy = new PasswordPolicy();
  const mail = new IdentityMail(bus, config.publicUrl);
  const links = new OneTimeTokens(stores.oneTimeTokens, {
    lifetimesMs: {
      'email-verification': config.verificationTokenTtlMs,
      'password-reset': config.resetTokenTtlMs,
    },
  });
  const refreshTokens = new RefreshTokens(stores.refreshTokens, { ttlMs: config.refreshTokenTtlMs });
  const throttle = new LoginThrottle(stores.throttle, {
    account: config.accountThrottle,
    ip: config.ipThrottle,
  });
  const accessTokens = new AccessTokenService({
    issuer: config.issuer,
    audience: config.audience,
    ttlSeconds: config.accessTokenTtlSeconds,
    signingKey: loadSigningKey({
      ...(config.signingKeyPem ? { privateKeyPem: config.signingKeyPem } : {}),
      ...(keyDir ? { dataDir: keyDir } : {}),
    }),
  });
  const twoFactor = new TwoFactorService(
    stores.twoFactor,
    SecretCipher.fromBase64(loadTotpKey(config.totpEncryptionKey, keyDir)),
    { issuer: 'Identity Platform' },
  );
  let requester: Promise<RequestReplyClient> | undefined;
  const invitations = new MembershipInvitations(
    () => {
      requester ??= RequestReplyClient.start(bus, `identity-${process.pid}-${Date.now().toString(36)}`);
      return requester;
    },
    new RequestSigner(deps.requestKeys, 'identity'),
  );
  const services: IdentityServices = {
    registration: new Registration({
      accounts,
      reservations,
      credentials: stores.credentials,
      hasher,
      policy,
      verificationLinks: links,
      mail,
      invitations,
    }),
    accounts: new AccountManagement({
      accounts,
      reservations,
      credentials: stores.credentials,
      hasher,
      verificationLinks: links,
      refreshTokens,
      twoFactor,
      mail,
      ownedOrganizations: { index: owned, follower },
    }),
    passwords: new PasswordManagement({
      accounts,
      credentials: stores.credentials,
      hasher,
      policy,
      resetLinks: links,
      refreshTokens,
      throttle,
      mail,
      onBackgroundError: (error) => new Logger('PasswordManagement').warn(`reset link not sent: ${String(error)}`),
    }),
    login: new LoginService({
      users: accounts,
      credentials: stores.credentials,
      hasher,
      throttle,
      refreshTokens,
      accessTokens,
      twoFactor,
      challenges: links,
    }),
    sessions: new SessionRefresh(refreshTokens, accessTokens, accounts),
    twoFactor: new TwoFactorEnrollment(twoFactor, accounts, refreshTokens),
    accessTokens,
  };
  return {
    handler: new IdentityCommandHandler(
      services,
      new RequestVerifier(deps.requestKeys),
      new Set(config.operators),
    ),
    services,
    refreshTokens,
    indexes: follower,
    close: async () => {
      await services.passwords.drain();
      await follower.stop();
      await (await requester)?.close();
    },
  };
}
