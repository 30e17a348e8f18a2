import { Logger, Module } from '@nestjs/common';
import { AccountManagement } from '../accounts/account-management';
import { forgetErasedAccounts } from '../accounts/erased-account-secrets';
import { IdentifierReservations } from '../accounts/identifier-reservations';
import { Registration } from '../accounts/registration';
import { UserAccounts } from '../accounts/user-accounts';
import { type CredentialStore } from '../credentials/credential.store';
import { PasswordHasher } from '../credentials/password-hasher';
import { PasswordManagement } from '../credentials/password-management';
import { PasswordPolicy } from '../credentials/password-policy';
import { MembershipInvitations } from '../invitations/membership-invitations';
import { LoginService } from '../login/login.service';
import { IdentityMail } from '../notifying/identity-mail';
import { OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { RefreshTokens } from '../sessions/refresh-tokens';
import { SessionRefresh } from '../sessions/session-refresh';
import { LoginThrottle } from '../throttling/login-throttle';
import { MailQuota } from '../throttling/mail-quota';
import { AccessTokenService } from '../tokens/access-token.service';
import { TwoFactorEnrollment } from '../two-factor/two-factor-enrollment';
import { TwoFactorService } from '../two-factor/two-factor.service';
import { CREDENTIAL_STORE } from './identity-tokens';
import { IdentitySecurityModule } from './security.module';
import { IdentityIndexes } from './storage.module';
import { keyShredderProvider, PERSONAL_DATA } from '@app/platform';
import { type PersonalData } from '@app/personal-data';

/** What identity does: registration, account management, passwords, login, sessions, two-factor enrolment. */
@Module({
  imports: [IdentitySecurityModule],
  providers: [
    {
      provide: Registration,
      inject: [
        UserAccounts,
        IdentifierReservations,
        CREDENTIAL_STORE,
        PasswordHasher,
        PasswordPolicy,
        OneTimeTokens,
        IdentityMail,
        MembershipInvitations,
        MailQuota,
        AccountManagement,
      ],
      useFactory: (
        accounts: UserAccounts,
        reservations: IdentifierReservations,
        credentials: CredentialStore,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        verificationLinks: OneTimeTokens,
        mail: IdentityMail,
        invitations: MembershipInvitations,
        mailQuota: MailQuota,
        withdrawals: AccountManagement,
      ) =>
        new Registration({
          withdrawals,
          mailQuota,
          accounts,
          reservations,
          credentials,
          hasher,
          policy,
          verificationLinks,
          mail,
          invitations,
        }),
    },
    {
      provide: AccountManagement,
      inject: [
        UserAccounts,
        IdentifierReservations,
        CREDENTIAL_STORE,
        PasswordHasher,
        OneTimeTokens,
        RefreshTokens,
        TwoFactorService,
        IdentityMail,
        IdentityIndexes,
        PERSONAL_DATA,
        LoginThrottle,
        MailQuota,
      ],
      useFactory: (
        accounts: UserAccounts,
        reservations: IdentifierReservations,
        credentials: CredentialStore,
        hasher: PasswordHasher,
        verificationLinks: OneTimeTokens,
        refreshTokens: RefreshTokens,
        twoFactor: TwoFactorService,
        mail: IdentityMail,
        indexes: IdentityIndexes,
        personalData: PersonalData,
        throttle: LoginThrottle,
        mailQuota: MailQuota,
      ) =>
        new AccountManagement({
          mailQuota,
          personalData,
          accounts,
          reservations,
          credentials,
          hasher,
          throttle,
          verificationLinks,
          refreshTokens,
          twoFactor,
          mail,
          ownedOrganizations: { index: indexes.ownedOrganizations, follower: indexes.follower },
          onBackgroundError: (error) =>
            new Logger(AccountManagement.name).warn(`verification link not sent: ${String(error)}`),
        }),
    },
    {
      provide: PasswordManagement,
      inject: [
        UserAccounts,
        CREDENTIAL_STORE,
        PasswordHasher,
        PasswordPolicy,
        OneTimeTokens,
        RefreshTokens,
        LoginThrottle,
        IdentityMail,
        MailQuota,
      ],
      useFactory: (
        accounts: UserAccounts,
        credentials: CredentialStore,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        oneTimeTokens: OneTimeTokens,
        refreshTokens: RefreshTokens,
        throttle: LoginThrottle,
        mail: IdentityMail,
        mailQuota: MailQuota,
      ) =>
        new PasswordManagement({
          mailQuota,
          accounts,
          credentials,
          hasher,
          policy,
          oneTimeTokens,
          refreshTokens,
          throttle,
          mail,
          onBackgroundError: (error) =>
            new Logger(PasswordManagement.name).warn(`reset link not sent: ${String(error)}`),
        }),
    },
    {
      provide: LoginService,
      inject: [
        UserAccounts,
        CREDENTIAL_STORE,
        PasswordHasher,
        LoginThrottle,
        RefreshTokens,
        AccessTokenService,
        TwoFactorService,
        OneTimeTokens,
      ],
      useFactory: (
        users: UserAccounts,
        credentials: CredentialStore,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        refreshTokens: RefreshTokens,
        accessTokens: AccessTokenService,
        twoFactor: TwoFactorService,
        challenges: OneTimeTokens,
      ) =>
        new LoginService({
          users,
          credentials,
          hasher,
          throttle,
          refreshTokens,
          accessTokens,
          twoFactor,
          challenges,
        }),
    },
    keyShredderProvider('identity-key-shredder', 'user-', {
      inject: [CREDENTIAL_STORE, RefreshTokens, TwoFactorService, OneTimeTokens],
      afterErasure: (
        credentials: CredentialStore,
        refreshTokens: RefreshTokens,
        twoFactor: TwoFactorService,
        verificationLinks: OneTimeTokens,
      ) => forgetErasedAccounts({ credentials, refreshTokens, twoFactor, verificationLinks }),
    }),
    {
      provide: SessionRefresh,
      inject: [RefreshTokens, AccessTokenService, UserAccounts],
      useFactory: (refreshTokens: RefreshTokens, accessTokens: AccessTokenService, accounts: UserAccounts) =>
        new SessionRefresh(refreshTokens, accessTokens, accounts),
    },
    {
      provide: TwoFactorEnrollment,
      inject: [
        TwoFactorService,
        UserAccounts,
        RefreshTokens,
        CREDENTIAL_STORE,
        PasswordHasher,
        LoginThrottle,
      ],
      useFactory: (
        twoFactor: TwoFactorService,
        accounts: UserAccounts,
        refreshTokens: RefreshTokens,
        credentials: CredentialStore,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
      ) => new TwoFactorEnrollment(twoFactor, accounts, refreshTokens, { credentials, hasher, throttle }),
    },
  ],
  exports: [
    Registration,
    AccountManagement,
    PasswordManagement,
    LoginService,
    SessionRefresh,
    TwoFactorEnrollment,
    IdentitySecurityModule,
  ],
})
export class IdentityUseCasesModule {}
