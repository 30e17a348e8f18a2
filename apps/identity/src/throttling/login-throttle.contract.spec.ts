import { adapterCases } from '../shared/adapters.testing';
import { dataDirSessionStores } from '../shared/data-dir-stores';
import { LoginThrottle } from './login-throttle';
import { MongoThrottleStore } from './mongo-throttle.store';
import { InMemoryThrottleStore, type ThrottleStore } from './throttle.store';

const cases = adapterCases<ThrottleStore>(
  () => new InMemoryThrottleStore(),
  async (connection) => {
    const store = new MongoThrottleStore(connection);
    await store.ensureIndexes();
    return store;
  },
  (dir) => dataDirSessionStores(dir).throttle,
);

const MIN = 60_000;

describe.each(cases)('login throttle on %s', (_name, adapter) => {
  let store: ThrottleStore;
  let close: () => Promise<void>;
  let clock: number;
  let throttle: LoginThrottle;

  beforeEach(async () => {
    ({ subject: store, close } = await adapter.open());
    clock = Date.UTC(2026, 0, 1);
    throttle = new LoginThrottle(store, {
      account: { maxFailures: 5, windowMs: 15 * MIN, lockMs: 15 * MIN },
      ip: { maxFailures: 20, windowMs: 15 * MIN, lockMs: 15 * MIN },
      now: () => clock,
    });
  });
  afterEach(() => close());

  async function fail(account: string, ip?: string): Promise<boolean> {
    const decision = await throttle.begin(account, ip);
    if (decision.allowed) await decision.attempt.failed();
    return decision.allowed;
  }

  it('locks the account for 15 minutes after 5 failures within 15 minutes', async () => {
    for (let i = 0; i < 5; i++) expect(await fail('ada@example.com')).toBe(true);
    const blocked = await throttle.begin('ada@example.com');
    expect(blocked).toEqual({ allowed: false, lockedUntil: new Date(clock + 15 * MIN) });
    clock += 15 * MIN;
    expect((await throttle.begin('ada@example.com')).allowed).toBe(true);
  });

  it('failures older than the window do not count', async () => {
    for (let i = 0; i < 4; i++) expect(await fail('ada@example.com')).toBe(true);
    clock += 15 * MIN + 1;
    for (let i = 0; i < 4; i++) expect(await fail('ada@example.com')).toBe(true);
    expect(await throttle.lockedUntil('ada@example.com')).toBeUndefined();
  });

  it('a success starts the account count over', async () => {
    for (let i = 0; i < 4; i++) await fail('ada@example.com');
    const ok = await throttle.begin('ada@example.com');
    if (!ok.allowed) throw new Error('should be allowed');
    await ok.attempt.succeeded();
    for (let i = 0; i < 4; i++) expect(await fail('ada@example.com')).toBe(true);
    expect(await throttle.lockedUntil('ada@example.com')).toBeUndefined();
  });

  it('50 parallel wrong passwords: at most 5 reach the password check in the window, and the fifth failure locks', async () => {
    const decisions = await Promise.all(
      Array.from({ length: 50 }, () => throttle.begin('race@example.com', '10.0.0.9')),
    );
    const allowed = decisions.filter((d) => d.allowed);
    expect(allowed.length).toBeLessThanOrEqual(5);
    await Promise.all(allowed.map((d) => (d.allowed ? d.attempt.failed() : undefined)));
    // Attempts refused unchecked do not count (a store may count concurrent attempts loosely): guessing goes on one
    // by one until five have been checked in all.
    let checked = allowed.length;
    for (let decision = await throttle.begin('race@example.com', '10.0.0.9'); decision.allowed;) {
      checked++;
      await decision.attempt.failed();
      decision = await throttle.begin('race@example.com', '10.0.0.9');
    }
    expect(checked).toBe(5);
    const probe = await store.recordAttempt('ip:10.0.0.9', new Date(clock), 15 * MIN);
    expect(probe.count).toBe(checked + 1);
    expect(await throttle.lockedUntil('race@example.com')).toEqual(new Date(clock + 15 * MIN));
    clock += 14 * MIN;
    expect((await throttle.begin('race@example.com')).allowed).toBe(false);
  });

  it('20 parallel right passwords: those over the limit are refused, but nothing locks once the checked ones succeed', async () => {
    const decisions = await Promise.all(
      Array.from({ length: 20 }, () => throttle.begin('tabs@example.com', '10.0.0.7')),
    );
    const allowed = decisions.filter((d) => d.allowed);
    expect(allowed.length).toBeLessThanOrEqual(5);
    expect(decisions.filter((d) => !d.allowed)).toEqual(Array(20 - allowed.length).fill({ allowed: false }));
    await Promise.all(allowed.map((d) => (d.allowed ? d.attempt.succeeded() : undefined)));
    expect(await throttle.lockedUntil('tabs@example.com', '10.0.0.7')).toBeUndefined();
    for (let i = 0; i < 6; i++) {
      const again = await throttle.begin('tabs@example.com', '10.0.0.7');
      expect(again.allowed).toBe(true);
      if (again.allowed) await again.attempt.succeeded();
    }
  });

  it('locks a client IP that fails across many accounts, without locking those accounts elsewhere', async () => {
    for (let i = 0; i < 20; i++) expect(await fail(`user${i}@example.com`, '192.0.2.1')).toBe(true);
    expect((await throttle.begin('fresh@example.com', '192.0.2.1')).allowed).toBe(false);
    expect((await throttle.begin('user1@example.com', '198.51.100.7')).allowed).toBe(true);
  });

  it('an administrator reset unlocks the account', async () => {
    for (let i = 0; i < 6; i++) await fail('ada@example.com');
    expect(await throttle.lockedUntil('ada@example.com')).toBeDefined();
    await throttle.reset('ada@example.com');
    expect((await throttle.begin('ada@example.com')).allowed).toBe(true);
  });

  it('keeps what the account key makes of the address, never the address (erasure does not reach the store)', async () => {
    const seen = new Set<string>();
    // The same store, noting each key it is asked about.
    const noting: ThrottleStore = {
      recordAttempt: (key, at, windowMs) => (seen.add(key), store.recordAttempt(key, at, windowMs)),
      removeAttempt: (key, id) => (seen.add(key), store.removeAttempt(key, id)),
      clear: (key) => (seen.add(key), store.clear(key)),
      lock: (key, until) => (seen.add(key), store.lock(key, until)),
      unlock: (key) => (seen.add(key), store.unlock(key)),
      lockedUntil: (key, at) => (seen.add(key), store.lockedUntil(key, at)),
    };
    const hashed = new LoginThrottle(noting, {
      account: { maxFailures: 2, windowMs: 15 * MIN, lockMs: 15 * MIN },
      accountKeyOf: (email) => `h-${email.length}`,
      now: () => clock,
    });
    for (let i = 0; i < 3; i++) {
      const decision = await hashed.begin('zoe@example.com', '10.0.0.9');
      if (decision.allowed) await decision.attempt.failed();
    }
    expect(await hashed.lockedUntil('zoe@example.com')).toBeDefined();
    await hashed.reset('zoe@example.com');
    expect((await hashed.begin('zoe@example.com')).allowed).toBe(true);
    expect([...seen].sort()).toEqual(['account:h-15', 'ip:10.0.0.9']);
  });
});
