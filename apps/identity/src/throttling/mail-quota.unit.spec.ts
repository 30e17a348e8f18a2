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

  it('what an account asks for is counted for the account too: ten addresses an hour, and a refusal counts on neither', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const quota = quotaAt(clock);
    const asked = [];
    for (let i = 0; i < 11; i++)
      asked.push(await quota.allows(`to-${i}@example.com`, 'email-change-link', 'u1'));
    expect(asked).toEqual([...Array(10).fill(true), false]);
    // Another account, and the same account's other purposes, have their own.
    expect(await quota.allows('to-20@example.com', 'email-change-link', 'u2')).toBe(true);
    // The refused request counted nothing against to-10: five more to it are let through for another account.
    for (let i = 0; i < 5; i++)
      expect(await quota.allows('to-10@example.com', 'email-change-link', 'u3')).toBe(true);
    expect(await quota.allows('to-10@example.com', 'email-change-link', 'u3')).toBe(false);
    clock.now += HOUR + 1;
    expect(await quota.allows('to-30@example.com', 'email-change-link', 'u1')).toBe(true);
  });

  it('an address over its quota counts nothing against the account that asked', async () => {
    const quota = new MailQuota(new InMemoryThrottleStore(), {
      now: () => 0,
      perHour: 1,
      perAccountPerHour: 2,
    });
    expect(await quota.allows('full@example.com', 'email-change-link', 'u1')).toBe(true);
    expect(await quota.allows('full@example.com', 'email-change-link', 'u1')).toBe(false);
    expect(await quota.allows('other@example.com', 'email-change-link', 'u1')).toBe(true);
    expect(await quota.allows('third@example.com', 'email-change-link', 'u1')).toBe(false);
  });

  it('a count that cannot be recorded leaves none of the others behind', async () => {
    const store = new InMemoryThrottleStore();
    let calls = 0;
    const failingOnTheSecond = {
      recordAttempt: (key: string, at: Date, windowMs: number) =>
        ++calls === 2 ? Promise.reject(new Error('store down')) : store.recordAttempt(key, at, windowMs),
      removeAttempt: (key: string, attemptId: string) => store.removeAttempt(key, attemptId),
    } as unknown as InMemoryThrottleStore;
    const options = { now: () => 0, perHour: 1, perAccountPerHour: 1 };
    const failing = new MailQuota(failingOnTheSecond, options);
    await expect(failing.allows('to@example.com', 'email-change-link', 'u1')).rejects.toThrow('store down');
    // Whichever was counted first was taken back: the address and the account each have their one of the hour.
    const quota = new MailQuota(store, options);
    expect(await quota.allows('to@example.com', 'email-change-link', 'u1')).toBe(true);
    expect(await quota.allows('to@example.com', 'email-change-link', 'u2')).toBe(false);
    expect(await quota.allows('to2@example.com', 'email-change-link', 'u1')).toBe(false);
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
    const named: string[] = [];
    const quota = new MailQuota(recording, { keyOf: (mailbox) => (named.push(mailbox), 'k1') });
    await quota.allows('Ada+news@example.com', 'reset-link');
    await quota.allows('ada@example.com', 'email-change-link', 'u1');
    expect(keys).toEqual(['mail:reset-link:k1', 'mail:email-change-link:by:u1', 'mail:email-change-link:k1']);
    expect(named).toEqual(['Ada+news@example.com', 'ada@example.com']);
  });
});
