import { adapterCases } from '../shared/adapters.testing';
import { FileTwoFactorStore } from '../shared/file-secret-stores';
import { MongoTwoFactorStore } from './mongo-two-factor.store';
import { SecretCipher } from './secret-cipher';
import { totpCode } from './totp';
import { TwoFactorService } from './two-factor.service';
import { InMemoryTwoFactorStore, type TwoFactorStore } from './two-factor.store';

const cases = adapterCases<TwoFactorStore>(
  () => new InMemoryTwoFactorStore(),
  async (connection) => {
    const store = new MongoTwoFactorStore(connection);
    await store.ensureIndexes();
    return store;
  },
  (dir) => new FileTwoFactorStore(dir),
);

describe.each(cases)('R22: TOTP two-factor on %s', (_name, adapter) => {
  let store: TwoFactorStore;
  let close: () => Promise<void>;
  let clock: number;
  let service: TwoFactorService;
  const codeAt = (secret: string, ms: number): Promise<string> =>
    Promise.resolve(totpCode(secret, Math.floor(ms / 1000)));

  beforeEach(async () => {
    ({ subject: store, close } = await adapter.open());
    clock = Date.UTC(2026, 0, 1, 12, 0, 10);
    service = new TwoFactorService(store, new SecretCipher(Buffer.alloc(32, 7)), {
      issuer: 'Imp',
      now: () => clock,
    });
  });
  afterEach(() => close());

  it('enrolls with an otpauth URI, stores the secret sealed, and is enabled only after a confirming code', async () => {
    const { secret, otpauthUri } = await service.enroll('u1', 'ada@example.com');
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Imp:ada(%40|@)example\.com\?/);
    expect(otpauthUri).toContain(`secret=${secret}`);
    const stored = await store.get('u1');
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(await service.isEnabled('u1')).toBe(false);
    await expect(service.confirm('u1', '000000')).rejects.toMatchObject({ code: 'invalid-two-factor-code' });
    const { recoveryCodes } = await service.confirm('u1', await codeAt(secret, clock));
    expect(recoveryCodes).toHaveLength(10);
    expect(await service.isEnabled('u1')).toBe(true);
    expect(JSON.stringify(await store.get('u1'))).not.toContain(recoveryCodes[0]);
    await expect(service.enroll('u1', 'ada@example.com')).rejects.toMatchObject({
      code: 'two-factor-already-enabled',
    });
  });

  it('a confirm racing a restarted enrollment: on exactly when the confirm succeeds, and then the restart is refused', async () => {
    for (let round = 0; round < 10; round++) {
      const userId = `racer-${round}`;
      const { secret } = await service.enroll(userId, 'ada@example.com');
      const code = await codeAt(secret, clock);
      const [confirmed, restarted] = await Promise.allSettled([
        service.confirm(userId, code),
        service.enroll(userId, 'ada@example.com', `restart-${round}`),
      ]);
      // Whichever wins, the other is refused, and two-factor is on exactly when the confirm says so.
      expect([confirmed.status, restarted.status].sort()).toEqual(['fulfilled', 'rejected']);
      expect(await service.isEnabled(userId)).toBe(confirmed.status === 'fulfilled');
      if (restarted.status === 'rejected')
        expect(restarted.reason).toMatchObject({ code: 'two-factor-already-enabled' });
      // The code was right, for the set-up the restart replaced: not counted as a wrong one.
      if (confirmed.status === 'rejected')
        expect(confirmed.reason).toMatchObject({ code: 'concurrency-conflict' });
    }
  });

  it('a confirm that lost to a restarted set-up is a conflict, and the new authenticator’s code of that moment still works', async () => {
    const { secret: first } = await service.enroll('u1', 'ada@example.com');
    let second: string | undefined;
    // The set-up is started again between the confirm's check of the code and its write.
    const racing: TwoFactorStore = {
      uses: store.uses,
      get: (userId) => store.get(userId),
      delete: (userId) => store.delete(userId),
      replaceRecoveryCodes: (...args) => store.replaceRecoveryCodes(...args),
      replacePending: async (record, pending) => {
        if (record.confirmedAt && second === undefined)
          second = (await service.enroll('u1', 'ada@example.com', 'restart')).secret;
        return store.replacePending(record, pending);
      },
    };
    const confirming = new TwoFactorService(racing, new SecretCipher(Buffer.alloc(32, 7)), {
      issuer: 'Imp',
      now: () => clock,
    });
    await expect(confirming.confirm('u1', await codeAt(first, clock))).rejects.toMatchObject({
      code: 'concurrency-conflict',
    });
    expect(await service.isEnabled('u1')).toBe(false);
    await service.confirm('u1', await codeAt(second!, clock));
    expect(await service.isEnabled('u1')).toBe(true);
  });

  it('an enrollment that keeps losing to others gives up after five tries, as a conflict', async () => {
    await service.enroll('u1', 'ada@example.com');
    let tries = 0;
    const contended: TwoFactorStore = {
      uses: store.uses,
      get: (userId) => store.get(userId),
      delete: (userId) => store.delete(userId),
      replaceRecoveryCodes: (...args) => store.replaceRecoveryCodes(...args),
      replacePending: () => {
        tries += 1;
        return Promise.resolve(false);
      },
    };
    const enrolling = new TwoFactorService(contended, new SecretCipher(Buffer.alloc(32, 7)), {
      issuer: 'Imp',
    });
    await expect(enrolling.enroll('u1', 'ada@example.com')).rejects.toMatchObject({
      code: 'concurrency-conflict',
    });
    expect(tries).toBe(5);
  });

  it('two confirms of one enrollment at once: one is shown recovery codes, and those are the ones that work', async () => {
    const { secret } = await service.enroll('u1', 'ada@example.com');
    const code = await codeAt(secret, clock);
    const previous = await codeAt(secret, clock - 30_000);
    const results = await Promise.allSettled([service.confirm('u1', code), service.confirm('u1', previous)]);
    const shown = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.recoveryCodes] : []));
    expect(shown).toHaveLength(1);
    expect(await service.verify('u1', shown[0]![0]!)).toEqual({ valid: true, method: 'recovery-code' });
  });

  it('accepts a code from the previous or next 30-s step, not further, and each code only once', async () => {
    const { secret } = await service.enroll('u1', 'ada@example.com');
    clock -= 120_000;
    await service.confirm('u1', await codeAt(secret, clock));
    clock += 120_000;
    expect(await service.verify('u1', await codeAt(secret, clock - 30_000))).toEqual({
      valid: true,
      method: 'totp',
    });
    expect(await service.verify('u1', await codeAt(secret, clock + 30_000))).toEqual({
      valid: true,
      method: 'totp',
    });
    expect((await service.verify('u1', await codeAt(secret, clock - 90_000))).valid).toBe(false);
    const current = await codeAt(secret, clock);
    expect((await service.verify('u1', current)).valid).toBe(true);
    expect((await service.verify('u1', current)).valid).toBe(false);
  });

  it('a code used to confirm is refused at sign-in, by either release during a rolling upgrade; a code one release used is refused by the other', async () => {
    const { secret } = await service.enroll('u1', 'ada@example.com');
    const code = await codeAt(secret, clock);
    await service.confirm('u1', code);
    expect(await service.verify('u1', code)).toEqual({ valid: false });
    // The confirm's code is spent for a replica of the release before too, which claims the step under the user alone.
    const step = (ms: number) => Math.floor(ms / 1000 / 30);
    expect(await store.uses.claim(`u1:totp:${step(clock)}`, new Date(clock))).toBe(false);
    clock += 60_000;
    expect(await store.uses.claim(`u1:totp:${step(clock)}`, new Date(clock))).toBe(true);
    expect(await service.verify('u1', await codeAt(secret, clock))).toEqual({ valid: false });
    // And refuses a code this release used.
    clock += 60_000;
    expect(await service.verify('u1', await codeAt(secret, clock))).toEqual({ valid: true, method: 'totp' });
    expect(await store.uses.claim(`u1:totp:${step(clock)}`, new Date(clock))).toBe(false);
  });

  it('recovery codes work once each, with or without the dash', async () => {
    const { secret } = await service.enroll('u1', 'ada@example.com');
    const { recoveryCodes } = await service.confirm('u1', await codeAt(secret, clock));
    const [first, second] = recoveryCodes as [string, string];
    expect(await service.verify('u1', first.toUpperCase())).toEqual({ valid: true, method: 'recovery-code' });
    expect((await service.verify('u1', first)).valid).toBe(false);
    expect((await service.verify('u1', second.replace('-', ''))).valid).toBe(true);
    expect((await service.verify('u1', 'aaaaa-bbbbb')).valid).toBe(false);
  });

  it('new recovery codes for a current code: the old ones stop working, the new ones work once each', async () => {
    const { secret } = await service.enroll('u1', 'ada@example.com');
    const { recoveryCodes: old } = await service.confirm('u1', await codeAt(secret, clock));
    expect(await service.verify('u1', old[0]!)).toEqual({ valid: true, method: 'recovery-code' });
    clock += 30_000;
    const { recoveryCodes } = await service.replaceRecoveryCodes('u1', ` ${await codeAt(secret, clock)} `);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set([...recoveryCodes, ...old]).size).toBe(20);
    expect(JSON.stringify(await store.get('u1'))).not.toContain(recoveryCodes[0]);
    expect(await service.verify('u1', old[1]!)).toEqual({ valid: false });
    expect(await service.verify('u1', recoveryCodes[0]!)).toEqual({ valid: true, method: 'recovery-code' });
    expect(await service.verify('u1', recoveryCodes[0]!)).toEqual({ valid: false });
    expect(await service.verify('u1', recoveryCodes[9]!)).toEqual({ valid: true, method: 'recovery-code' });
    // Still the same authenticator: its next code signs in.
    clock += 30_000;
    expect(await service.verify('u1', await codeAt(secret, clock))).toEqual({ valid: true, method: 'totp' });
  });

  it('new recovery codes are refused for a wrong code, a code already used, a recovery code, and without two-factor', async () => {
    const { secret } = await service.enroll('u1', 'ada@example.com');
    await expect(service.replaceRecoveryCodes('u1', await codeAt(secret, clock))).rejects.toMatchObject({
      code: 'two-factor-not-enrolled',
    });
    const confirmedWith = await codeAt(secret, clock);
    const { recoveryCodes } = await service.confirm('u1', confirmedWith);
    const unchanged = (await store.get('u1'))!.recoveryCodeHashes;
    for (const code of ['000000', recoveryCodes[0]!])
      await expect(service.replaceRecoveryCodes('u1', code)).rejects.toMatchObject({
        code: 'invalid-two-factor-code',
      });
    // A right code whose step was claimed: told apart from a wrong one (not a guess), refused all the same.
    await expect(service.replaceRecoveryCodes('u1', confirmedWith)).rejects.toMatchObject({
      code: 'two-factor-code-used',
      details: { field: 'code' },
    });
    expect((await store.get('u1'))!.recoveryCodeHashes).toEqual(unchanged);
    // A step a replica of the release before spent (keyed by the user alone) is used too, not wrong.
    clock += 30_000;
    expect(await store.uses.claim(`u1:totp:${Math.floor(clock / 1000 / 30)}`, new Date(clock))).toBe(true);
    await expect(service.replaceRecoveryCodes('u1', await codeAt(secret, clock))).rejects.toMatchObject({
      code: 'two-factor-code-used',
    });
    // The recovery code offered as the code was not spent.
    expect(await service.verify('u1', recoveryCodes[0]!)).toEqual({ valid: true, method: 'recovery-code' });
    await service.disable('u1');
    clock += 30_000;
    await expect(service.replaceRecoveryCodes('u1', await codeAt(secret, clock))).rejects.toMatchObject({
      code: 'two-factor-not-enrolled',
    });
    await expect(service.replaceRecoveryCodes('nobody', '123456')).rejects.toMatchObject({
      code: 'two-factor-not-enrolled',
    });
  });

  it('two replacements at once: one is shown codes, and those are the ones that work; the other is a conflict', async () => {
    const { secret } = await service.enroll('u1', 'ada@example.com');
    await service.confirm('u1', await codeAt(secret, clock - 30_000));
    const results = await Promise.allSettled([
      service.replaceRecoveryCodes('u1', await codeAt(secret, clock)),
      service.replaceRecoveryCodes('u1', await codeAt(secret, clock + 30_000)),
    ]);
    const shown = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.recoveryCodes] : []));
    expect(shown).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'concurrency-conflict' },
    });
    expect(await service.verify('u1', shown[0]![3]!)).toEqual({ valid: true, method: 'recovery-code' });
  });

  it('a replacement racing a turn-off writes nothing back: two-factor stays off', async () => {
    const { secret } = await service.enroll('u1', 'ada@example.com');
    await service.confirm('u1', await codeAt(secret, clock - 30_000));
    const racing: TwoFactorStore = {
      uses: store.uses,
      get: (userId) => store.get(userId),
      delete: (userId) => store.delete(userId),
      replacePending: (record, pending) => store.replacePending(record, pending),
      replaceRecoveryCodes: async (...args) => {
        await store.delete('u1');
        return store.replaceRecoveryCodes(...args);
      },
    };
    const replacing = new TwoFactorService(racing, new SecretCipher(Buffer.alloc(32, 7)), {
      issuer: 'Imp',
      now: () => clock,
    });
    await expect(replacing.replaceRecoveryCodes('u1', await codeAt(secret, clock))).rejects.toMatchObject({
      code: 'two-factor-not-enrolled',
    });
    expect(await store.get('u1')).toBeNull();
  });

  it('disable removes the secret; a user without 2FA never verifies', async () => {
    const { secret } = await service.enroll('u1', 'ada@example.com');
    await service.confirm('u1', await codeAt(secret, clock));
    await service.disable('u1');
    expect(await service.isEnabled('u1')).toBe(false);
    expect(await store.get('u1')).toBeNull();
    expect((await service.verify('u2', '123456')).valid).toBe(false);
  });

  it('a sealed secret cannot be decrypted for another user or with another key', () => {
    const cipher = new SecretCipher(Buffer.alloc(32, 7));
    const sealed = cipher.encrypt('JBSWY3DPEHPK3PXP', 'u1');
    expect(cipher.decrypt(sealed, 'u1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => cipher.decrypt(sealed, 'u2')).toThrow();
    expect(() => new SecretCipher(Buffer.alloc(32, 8)).decrypt(sealed, 'u1')).toThrow();
  });
});
