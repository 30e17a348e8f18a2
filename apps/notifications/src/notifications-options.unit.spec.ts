import { busRetryOf, readNotificationsOptions } from './app.module';

describe('notifications settings', () => {
  it('read the SMTP server, the lease and the retries from the environment, with defaults', () => {
    const options = readNotificationsOptions({ SMTP_URL: 'smtp://mail:25', NOTIFY_LEASE_MS: '30000' });
    expect(options).toMatchObject({ smtpUrl: 'smtp://mail:25', leaseMs: 30_000 });
    expect(busRetryOf(options)).toEqual({
      maxAttempts: 7,
      initialBackoffMs: 1_000,
      maxBackoffMs: 60_000,
      contendedAttempts: 1_000,
    });
    expect(readNotificationsOptions({}).leaseMs).toBe(60_000);
  });

  it('take an SMS provider over https only (http to this machine), with no credentials in its URL', () => {
    expect(readNotificationsOptions({ SMS_PROVIDER_URL: 'https://sms.example/v1/send' }).smsUrl).toBe(
      'https://sms.example/v1/send',
    );
    expect(readNotificationsOptions({ SMS_PROVIDER_URL: 'http://127.0.0.1:9000/send' }).smsUrl).toBe(
      'http://127.0.0.1:9000/send',
    );
    for (const [url, said] of [
      ['http://sms.example/send', /must be https/],
      ['https://user:secret@sms.example/send', /must not carry a user or password/],
      ['https://key@sms.example/send', /must not carry a user or password/],
      ['sms.example/send', /must be a URL/],
    ] as const)
      expect(() => readNotificationsOptions({ SMS_PROVIDER_URL: url })).toThrow(said);
  });

  it('read how many deliveries are in hand per partition: 8 by default, 1 to 64, a wrong value named', () => {
    expect(readNotificationsOptions({}).inHandPerPartition).toBe(8);
    expect(readNotificationsOptions({ NOTIFY_IN_HAND_PER_PARTITION: '1' }).inHandPerPartition).toBe(1);
    expect(readNotificationsOptions({ NOTIFY_IN_HAND_PER_PARTITION: '64' }).inHandPerPartition).toBe(64);
    for (const wrong of ['0', '65', 'many'])
      expect(() => readNotificationsOptions({ NOTIFY_IN_HAND_PER_PARTITION: wrong })).toThrow(
        /NOTIFY_IN_HAND_PER_PARTITION/,
      );
  });

  it('refuse a NOTIFY_OFF kind or a NOTIFY_LOCALE they do not know, naming the setting and the value', () => {
    expect(readNotificationsOptions({ NOTIFY_OFF: 'role-changed, account-locked,' }).noticesOff).toEqual([
      'role-changed',
      'account-locked',
    ]);
    expect(() => readNotificationsOptions({ NOTIFY_OFF: 'role-changed,role-chanegd' })).toThrow(
      /^NOTIFY_OFF: "role-chanegd" is not a notice kind \(.*role-changed/,
    );
    for (const [given, locale] of [
      ['de-AT', 'de'],
      ['EN', 'en'],
      [' de ', 'de'],
    ])
      expect(readNotificationsOptions({ NOTIFY_LOCALE: given }).locale).toBe(locale);
    for (const wrong of ['fr', 'english', 'de-', 'de_x y'])
      expect(() => readNotificationsOptions({ NOTIFY_LOCALE: wrong })).toThrow(
        `NOTIFY_LOCALE must be one of en, de (a tag such as de-AT counts as its language), got "${wrong}"`,
      );
  });

  it('refuse to start without SMTP where secrets must be configured, naming the setting', () => {
    expect(() => readNotificationsOptions({ REQUIRE_CONFIGURED_SECRETS: 'true' })).toThrow(
      /^SMTP_URL must be set/,
    );
    expect(() => readNotificationsOptions({ NOTIFY_LEASE_MS: 'soon' })).toThrow(/NOTIFY_LEASE_MS/);
  });

  it('require an SMS provider only where secrets must be configured (else SMS go to files)', () => {
    expect(readNotificationsOptions({}).smsProviderRequired).toBe(false);
    expect(
      readNotificationsOptions({ REQUIRE_CONFIGURED_SECRETS: 'true', SMTP_URL: 'smtp://mail:25' }),
    ).toMatchObject({ smsProviderRequired: true });
  });
});
