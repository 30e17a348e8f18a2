import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import {
  MESSAGE_BUS,
  RequesterOnFirstUse,
  RequestSigner,
  type RequestReplyClient,
  type MessageBus,
  type SendersKeys,
} from '@app/messaging';
import { type IdentityConfig } from '../config/identity.config';
import { PasswordHasher } from '../credentials/password-hasher';
import { PasswordPolicy } from '../credentials/password-policy';
import { MembershipInvitations } from '../invitations/membership-invitations';
import { IdentityMail } from '../notifying/identity-mail';
import { type OneTimeTokenStore } from '../one-time-tokens/one-time-token.store';
import { OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { type RefreshTokenStore } from '../sessions/refresh-token.store';
import { RefreshTokens } from '../sessions/refresh-tokens';
import { PERSONAL_DATA } from '@app/platform';
import { type PersonalData } from '@app/personal-data';
import { LoginThrottle } from '../throttling/login-throttle';
import { MailQuota } from '../throttling/mail-quota';
import { type ThrottleStore } from '../throttling/throttle.store';
import { AccessTokenService } from '../tokens/access-token.service';
import { loadSigningKey } from '../tokens/signing-key';
import { SecretCipher } from '../two-factor/secret-cipher';
import { loadTotpKey } from '../two-factor/totp-key';
import { type TwoFactorStore } from '../two-factor/two-factor.store';
import { TwoFactorService } from '../two-factor/two-factor.service';
import {
  IDENTITY_CONFIG,
  KEY_DIR,
  ONE_TIME_TOKEN_STORE,
  REFRESH_TOKEN_STORE,
  REQUEST_SIGNING_KEYS,
  THROTTLE_STORE,
  TWO_FACTOR_STORE,
} from './identity-tokens';

/** Asks membership about invitations: its requester is started on first use and closed at shutdown. */
@Injectable()
export class MembershipRequester implements OnApplicationShutdown {
  private readonly client: RequesterOnFirstUse;

  constructor(@Inject(MESSAGE_BUS) bus: MessageBus) {
    this.client = new RequesterOnFirstUse(bus, 'identity');
  }

  get(): Promise<RequestReplyClient> {
    return this.client.get();
  }

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}

/**
 * The building blocks of identity's use cases: password hashing and policy, access tokens, one-time links, refresh
 * tokens, login throttling, TOTP, mail requests and the membership directory of invitations. Each is configured here
 * from IDENTITY_CONFIG and the stores of the storage module.
 */
@Module({
  providers: [
    {
      provide: PasswordHasher,
      inject: [IDENTITY_CONFIG],
      useFactory: (config: IdentityConfig) => new PasswordHasher(config.argon2),
    },
    { provide: PasswordPolicy, useFactory: () => new PasswordPolicy() },
    {
      provide: AccessTokenService,
      inject: [IDENTITY_CONFIG, KEY_DIR],
      useFactory: (config: IdentityConfig, keyDir: string | undefined) =>
        new AccessTokenService({
          issuer: config.issuer,
          audience: config.audience,
          ttlSeconds: config.accessTokenTtlSeconds,
          signingKey: loadSigningKey({
            ...(config.signingKeyPem ? { privateKeyPem: config.signingKeyPem } : {}),
            ...(keyDir ? { dataDir: keyDir } : {}),
          }),
          previousKeys: config.additionalKeysPem.map((pem) => loadSigningKey({ privateKeyPem: pem })),
        }),
    },
    {
      provide: OneTimeTokens,
      inject: [ONE_TIME_TOKEN_STORE, IDENTITY_CONFIG],
      useFactory: (store: OneTimeTokenStore, config: IdentityConfig) =>
        new OneTimeTokens(store, {
          lifetimesMs: {
            'email-verification': config.verificationTokenTtlMs,
            'password-reset': config.resetTokenTtlMs,
          },
        }),
    },
    {
      provide: RefreshTokens,
      inject: [REFRESH_TOKEN_STORE, IDENTITY_CONFIG],
      useFactory: (store: RefreshTokenStore, config: IdentityConfig) =>
        new RefreshTokens(store, { ttlMs: config.refreshTokenTtlMs }),
    },
    {
      provide: LoginThrottle,
      inject: [THROTTLE_STORE, IDENTITY_CONFIG, PERSONAL_DATA],
      useFactory: (store: ThrottleStore, config: IdentityConfig, personalData: PersonalData) =>
        new LoginThrottle(store, {
          account: config.accountThrottle,
          ip: config.ipThrottle,
          accountKeyOf: (email) => personalData.addresses.of('email', email),
        }),
    },
    {
      provide: MailQuota,
      inject: [THROTTLE_STORE, PERSONAL_DATA],
      useFactory: (store: ThrottleStore, personalData: PersonalData) =>
        new MailQuota(store, { keyOf: (email) => personalData.addresses.of('email', email) }),
    },
    {
      provide: TwoFactorService,
      inject: [TWO_FACTOR_STORE, IDENTITY_CONFIG, KEY_DIR],
      useFactory: (store: TwoFactorStore, config: IdentityConfig, keyDir: string | undefined) =>
        new TwoFactorService(store, SecretCipher.fromBase64(loadTotpKey(config.totpEncryptionKey, keyDir)), {
          issuer: 'Identity Platform',
        }),
    },
    {
      provide: IdentityMail,
      inject: [MESSAGE_BUS, IDENTITY_CONFIG],
      useFactory: (bus: MessageBus, config: IdentityConfig) => new IdentityMail(bus, config.publicUrl),
    },
    MembershipRequester,
    {
      provide: MembershipInvitations,
      inject: [MembershipRequester, REQUEST_SIGNING_KEYS],
      useFactory: (requester: MembershipRequester, keys: SendersKeys) =>
        new MembershipInvitations(() => requester.get(), new RequestSigner(keys.identity!, 'identity')),
    },
  ],
  exports: [
    PasswordHasher,
    PasswordPolicy,
    AccessTokenService,
    OneTimeTokens,
    RefreshTokens,
    LoginThrottle,
    MailQuota,
    TwoFactorService,
    IdentityMail,
    MembershipInvitations,
  ],
})
export class IdentitySecurityModule {}
