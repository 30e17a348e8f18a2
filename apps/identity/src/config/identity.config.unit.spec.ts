import { readIdentityConfig } from './identity.config';

describe('identity configuration', () => {
  it('defaults: 5-minute access tokens and OWASP argon2id parameters', () => {
    const config = readIdentityConfig({});
    expect(config.accessTokenTtlSeconds).toBe(300);
    expect(config.argon2).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(config.accountThrottle).toMatchObject({ maxFailures: 5 });
  });

  it('refuses access tokens living longer than 5 minutes', () => {
    expect(() => readIdentityConfig({ ACCESS_TOKEN_TTL_SECONDS: '301' })).toThrow(/at most 300/);
  });

  it('refuses to start without shared keys where secrets must be configured', () => {
    expect(() => readIdentityConfig({ REQUIRE_CONFIGURED_SECRETS: 'true' })).toThrow(/IDENTITY_SIGNING_KEY/);
    expect(() =>
      readIdentityConfig({ REQUIRE_CONFIGURED_SECRETS: 'true', IDENTITY_SIGNING_KEY_PEM: 'pem' }),
    ).toThrow(/TOTP_ENCRYPTION_KEY/);
  });
});
