import { MailQuota } from './mail-quota';
import { InMemoryThrottleStore } from './throttle.store';

const HOUR = 3_600_000;

describe('mails sent to an address without signing in', () => {
  const quotaAt = (clock: { now: number }) =>
    new MailQuota(new InMemoryThrottleStore(), { now: () => clock.now });

  it('five an hour per address, counted apart for each address; an hour later again', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const quota = quotaAt(clock);
    const ada = [];
    for (let i = 0; i < 7; i++) ada.push(await quota.allows('ada@example.com', 'reset-link'));
    expect(ada).toEqual([true, true, true, true, true, false, false]);
    expect(await quota.allows('bob@example.com', 'reset-link')).toBe(true);
    clock.now += HOUR + 1;
    expect(await quota.allows('ada@example.com', 'reset-link')).toBe(true);
  });

  it('R17: each purpose has its own five, so "you already have an account" mails never use up the reset links', async () => {
    const quota = quotaAt({ now: Date.UTC(2026, 0, 1) });
    for (let i = 0; i < 5; i++) expect(await quota.allows('ada@example.com', 'account-exists')).toBe(true);
    expect(await quota.allows('ada@example.com', 'account-exists')).toBe(false);
    expect(await quota.allows('ada@example.com', 'reset-link')).toBe(true);
    expect(await quota.allows('ada@example.com', 'verification-link')).toBe(true);
  });

  it('R17: refused requests are not counted: the quota ends an hour after the mails it let through', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const quota = quotaAt(clock);
    for (let i = 0; i < 5; i++) expect(await quota.allows('ada@example.com', 'reset-link')).toBe(true);
    clock.now += HOUR / 2;
    for (let i = 0; i < 5; i++) expect(await quota.allows('ada@example.com', 'reset-link')).toBe(false);
    clock.now += HOUR / 2 + 1;
    expect(await quota.allows('ada@example.com', 'reset-link')).toBe(true);
  });

  it('keeps a keyed name for the address, never the address', async () => {
    const store = new InMemoryThrottleStore();
    const keys: string[] = [];
    const recording = {
      recordAttempt: (key: string, at: Date, windowMs: number) => {
        keys.push(key);
        return store.recordAttempt(key, at, windowMs);
      },
    } as unknown as InMemoryThrottleStore;
    await new MailQuota(recording, { keyOf: () => 'k1' }).allows('ada@example.com', 'reset-link');
    expect(keys).toEqual(['mail:reset-link:k1']);
  });
});
