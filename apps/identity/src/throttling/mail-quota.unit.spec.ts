import { MailQuota } from './mail-quota';
import { InMemoryThrottleStore } from './throttle.store';

describe('mails sent to an address without signing in', () => {
  it('five an hour per address, counted apart for each address; an hour later again', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const quota = new MailQuota(new InMemoryThrottleStore(), { now: () => clock.now });
    const ada = [];
    for (let i = 0; i < 7; i++) ada.push(await quota.allows('ada@example.com'));
    expect(ada).toEqual([true, true, true, true, true, false, false]);
    expect(await quota.allows('bob@example.com')).toBe(true);
    clock.now += 3_600_001;
    expect(await quota.allows('ada@example.com')).toBe(true);
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
    await new MailQuota(recording, { keyOf: () => 'k1' }).allows('ada@example.com');
    expect(keys).toEqual(['mail:k1']);
  });
});
