import { InMemoryCredentialStore } from '../credentials/credential.store';
import { PasswordHasher, type Argon2Parameters } from '../credentials/password-hasher';
import { InMemoryOneTimeTokenStore } from '../one-time-tokens/one-time-token.store';
import { OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { InMemoryRefreshTokenStore } from '../sessions/refresh-token.store';
import { RefreshTokens } from '../sessions/refresh-tokens';
import { LoginThrottle, type LoginThrottleOptions } from '../throttling/login-throttle';
import { InMemoryThrottleStore } from '../throttling/throttle.store';
import { AccessTokenService } from '../tokens/access-token.service';
import { generateSigningKey } from '../tokens/signing-key';
import { SecretCipher } from '../two-factor/secret-cipher';
import { TwoFactorService } from '../two-factor/two-factor.service';
import { InMemoryTwoFactorStore } from '../two-factor/two-factor.store';
import { normalizeEmail } from '@app/identifiers';
import { LoginService, type LoginAccount, type UserLookup } from './login.service';

export class InMemoryUserLookup implements UserLookup {
  private readonly byEmail = new Map<string, LoginAccount>();

  set(email: string, account: LoginAccount): void {
    this.byEmail.set(normalizeEmail(email), account);
  }

  delete(email: string): void {
    this.byEmail.delete(normalizeEmail(email));
  }

  findByEmail(normalizedEmail: string): Promise<LoginAccount | null> {
    return Promise.resolve(this.byEmail.get(normalizedEmail) ?? null);
  }

  current(userId: string): Promise<LoginAccount | null> {
    return Promise.resolve([...this.byEmail.values()].find((a) => a.userId === userId) ?? null);
  }
}

/** Every login dependency on in-memory adapters: the embedded default's wiring, tests and the benchmark. */
export function createInMemoryLogin(
  options: { argon2?: Argon2Parameters; throttle?: LoginThrottleOptions; now?: () => number } = {},
) {
  const now = options.now ?? Date.now;
  const users = new InMemoryUserLookup();
  const credentials = new InMemoryCredentialStore();
  const hasher = new PasswordHasher(options.argon2);
  const throttle = new LoginThrottle(new InMemoryThrottleStore(), { ...options.throttle, now });
  const refreshTokens = new RefreshTokens(new InMemoryRefreshTokenStore(), { now });
  const accessTokens = new AccessTokenService({
    issuer: 'https://identity.local',
    audience: 'imp',
    signingKey: generateSigningKey(),
    now,
  });
  const twoFactor = new TwoFactorService(
    new InMemoryTwoFactorStore(),
    new SecretCipher(Buffer.from(SecretCipher.generateKey(), 'base64')),
    {
      issuer: 'Imp',
      now,
    },
  );
  const challenges = new OneTimeTokens(new InMemoryOneTimeTokenStore(), { now });
  const service = new LoginService({
    users,
    credentials,
    hasher,
    throttle,
    refreshTokens,
    accessTokens,
    twoFactor,
    challenges,
    now,
  });
  return {
    service,
    users,
    credentials,
    hasher,
    throttle,
    refreshTokens,
    accessTokens,
    twoFactor,
    challenges,
  };
}
