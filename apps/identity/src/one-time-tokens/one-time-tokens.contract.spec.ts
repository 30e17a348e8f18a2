import { codeOf } from '../shared/refusals.testing';
import { type DomainError } from '@app/domain';
import { adapterCases } from '../shared/adapters.testing';
import { dataDirSessionStores } from '../shared/data-dir-stores';
import { sha256Hex } from '../shared/secrets';
import { MongoOneTimeTokenStore } from './mongo-one-time-token.store';
import { InMemoryOneTimeTokenStore, type OneTimeTokenStore } from './one-time-token.store';
import { OneTimeTokens } from './one-time-tokens';

const cases = adapterCases<OneTimeTokenStore>(
  () => new InMemoryOneTimeTokenStore(),
  async (connection) => {
    const store = new MongoOneTimeTokenStore(connection);
    await store.ensureIndexes();
    return store;
  },
  (dir) => dataDirSessionStores(dir).oneTimeTokens,
);

describe.each(cases)('one-time tokens on %s', (_name, adapter) => {
  let store: OneTimeTokenStore;
  let close: () => Promise<void>;
  let clock: number;
  let tokens: OneTimeTokens;

  beforeEach(async () => {
    ({ subject: store, close } = await adapter.open());
    clock = Date.UTC(2026, 0, 1);
    tokens = new OneTimeTokens(store, { now: () => clock });
  });
  afterEach(() => close());

  it('R18: a verification link lasts 24 hours, names the address it was sent to, and works once', async () => {
    const { token, expiresAt } = await tokens.issue('email-verification', 'u1', 'ada@example.com');
    expect(expiresAt).toEqual(new Date(clock + 24 * 3600_000));
    expect(await store.find(token)).toBeNull();
    expect(await store.find(sha256Hex(token))).toMatchObject({ userId: 'u1', purpose: 'email-verification' });
    expect(await tokens.redeem('email-verification', token)).toEqual({
      purpose: 'email-verification',
      userId: 'u1',
      subject: 'ada@example.com',
    });
    expect(await codeOf(tokens.redeem('email-verification', token))).toBe('token-invalid');
  });

  it('R17: a reset link expires after 30 minutes', async () => {
    const { token } = await tokens.issue('password-reset', 'u1');
    clock += 30 * 60_000;
    expect(await codeOf(tokens.redeem('password-reset', token))).toBe('token-expired');
  });

  it('R17: a token is good for its own purpose only, and a newer link replaces the older one', async () => {
    const verification = await tokens.issue('email-verification', 'u1', 'ada@example.com');
    expect(await codeOf(tokens.redeem('password-reset', verification.token))).toBe('token-invalid');
    const older = await tokens.issue('password-reset', 'u1');
    const newer = await tokens.issue('password-reset', 'u1');
    expect(await codeOf(tokens.redeem('password-reset', older.token))).toBe('token-invalid');
    expect(await tokens.redeem('password-reset', newer.token)).toEqual({
      purpose: 'password-reset',
      userId: 'u1',
    });
    expect(await tokens.redeem('email-verification', verification.token)).toMatchObject({ userId: 'u1' });
  });

  it('R18: of ten links issued at once, only the last one asked for works, and it is the one outstanding', async () => {
    const issued = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        tokens.issue('email-change', 'u1', `new-${i}@example.com`, { issuedBy: `c${i}` }),
      ),
    );
    const records = await Promise.all(issued.map(({ token }) => store.find(sha256Hex(token))));
    expect(records.filter((record) => record !== null)).toHaveLength(1);
    const survivor = issued.findIndex((_, i) => records[i] !== null);
    expect(survivor).toBe(9);
    expect(await tokens.outstanding('email-change', 'u1')).toMatchObject({ issuedBy: `c${survivor}` });
    const redeemed = await Promise.allSettled(
      issued.map(({ token }) => tokens.redeem('email-change', token)),
    );
    expect(redeemed.map((r) => r.status)).toEqual(
      issued.map((_, i) => (i === survivor ? 'fulfilled' : 'rejected')),
    );
    expect(redeemed[survivor]).toMatchObject({ value: { subject: `new-${survivor}@example.com` } });
  });

  it("R10: a link issued once its account's links were forgotten (a deletion that read the account before) is not kept", async () => {
    await tokens.issue('email-verification', 'u2', 'bob@example.com');
    await tokens.forget('u1');
    expect(await codeOf(tokens.issue('password-reset', 'u1', 'ada@example.com'))).toBe('user-not-found');
    expect(await codeOf(tokens.issue('email-change', 'u1', 'ada@new.example'))).toBe('user-not-found');
    expect(await tokens.outstanding('password-reset', 'u1')).toBeUndefined();
    expect(await tokens.outstanding('email-change', 'u1')).toBeUndefined();
    // Nobody else's.
    expect(await tokens.outstanding('email-verification', 'u2')).toMatchObject({
      subject: 'bob@example.com',
    });
    expect(await tokens.issue('password-reset', 'u2')).toMatchObject({ token: expect.any(String) });
  });

  it('R17: a link asked for after another, on an instance whose clock is behind the first one’s, is the one that works', async () => {
    const ahead = new OneTimeTokens(store, { now: () => clock + 2_000 });
    const first = await ahead.issue('password-reset', 'u1');
    const second = await tokens.issue('password-reset', 'u1');
    expect(await codeOf(tokens.redeem('password-reset', first.token))).toBe('token-invalid');
    expect(await tokens.redeem('password-reset', second.token)).toMatchObject({ userId: 'u1' });
  });

  it('R17: a used link’s copy, however late its order (put back while a link was being issued), does not replace that link', async () => {
    await store.insert({
      tokenHash: 'used-copy',
      purpose: 'password-reset',
      userId: 'u1',
      createdAt: new Date(clock),
      expiresAt: new Date(clock + 60_000),
      redeemedBy: 'cmd-0',
      // Ordered an hour ahead (another instance's clock).
      issueOrder: `${(clock + 3_600_000).toString(36).padStart(10, '0')}.0000000000.zzzzzzzz`,
    });
    const { token } = await tokens.issue('password-reset', 'u1');
    // And the new link replaces it, as any link before it: a late repeat of that use is not answered as it.
    expect(await store.find('used-copy')).toBeNull();
    expect(await tokens.redeem('password-reset', token)).toMatchObject({ userId: 'u1' });
  });

  it('R10: a link used while its account is deleted keeps no copy (with its address) for the repeat of that use', async () => {
    const { token } = await tokens.issue('email-verification', 'u1', 'ada@example.com');
    // The deletion forgets the account's links after the link was checked, before its use is recorded.
    await tokens.redeem('email-verification', token, 'cmd-1', () => tokens.forget('u1'));
    expect(await store.find(sha256Hex(token))).toBeNull();
  });

  it('R17: 50 racing redemptions of one reset link -> exactly one success', async () => {
    const { token } = await tokens.issue('password-reset', 'u1');
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => tokens.redeem('password-reset', token)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.every((r) => r.status === 'fulfilled' || (r.reason as DomainError).code === 'token-invalid'),
    ).toBe(true);
  });

  it('a repeat of the request that redeemed a link (same command id) is told so; any other use is token-invalid', async () => {
    const { token } = await tokens.issue('email-verification', 'u1', 'ada@example.com');
    expect(await tokens.redeem('email-verification', token, 'cmd-1')).toEqual({
      purpose: 'email-verification',
      userId: 'u1',
      subject: 'ada@example.com',
    });
    expect(await tokens.redeem('email-verification', token, 'cmd-1')).toEqual({
      purpose: 'email-verification',
      userId: 'u1',
      subject: 'ada@example.com',
      repeated: true,
    });
    expect(await codeOf(tokens.redeem('email-verification', token, 'cmd-2'))).toBe('token-invalid');
    expect(await codeOf(tokens.redeem('email-verification', token))).toBe('token-invalid');
    expect(await codeOf(tokens.redeem('password-reset', token, 'cmd-1'))).toBe('token-invalid');
    // Until the link would have expired, or a newer one replaces it.
    await tokens.issue('email-verification', 'u1', 'ada@example.com');
    expect(await codeOf(tokens.redeem('email-verification', token, 'cmd-1'))).toBe('token-invalid');
    const reset = await tokens.issue('password-reset', 'u1');
    await tokens.redeem('password-reset', reset.token, 'cmd-3');
    // Revoking the outstanding links (the reset changed the password) keeps the used one's answer to its repeat.
    await tokens.revoke('password-reset', 'u1');
    expect(await tokens.redeem('password-reset', reset.token, 'cmd-3')).toEqual({
      purpose: 'password-reset',
      userId: 'u1',
      repeated: true,
    });
    clock += 30 * 60_000;
    expect(await codeOf(tokens.redeem('password-reset', reset.token, 'cmd-3'))).toBe('token-expired');
  });

  it('a check refusing before the use leaves the link usable', async () => {
    const { token } = await tokens.issue('password-reset', 'u1');
    const refusing = async () => {
      throw new Error('refused');
    };
    await expect(tokens.redeem('password-reset', token, 'cmd-1', refusing)).rejects.toThrow('refused');
    expect(await tokens.redeem('password-reset', token, 'cmd-1')).toEqual({
      purpose: 'password-reset',
      userId: 'u1',
    });
  });

  it("R10: forgetting a deleted account ends its links of every purpose, used or not, and no other account's", async () => {
    const verification = await tokens.issue('email-verification', 'u1', 'ada@example.com');
    const reset = await tokens.issue('password-reset', 'u1');
    const used = await tokens.issue('two-factor-challenge', 'u1');
    await tokens.redeem('two-factor-challenge', used.token, 'cmd-1');
    const others = await tokens.issue('password-reset', 'u2');
    await tokens.forget('u1');
    expect(await codeOf(tokens.redeem('email-verification', verification.token))).toBe('token-invalid');
    expect(await codeOf(tokens.redeem('password-reset', reset.token))).toBe('token-invalid');
    // Not even the repeat of the request that used it names the account now.
    expect(await codeOf(tokens.redeem('two-factor-challenge', used.token, 'cmd-1'))).toBe('token-invalid');
    expect(await store.find(sha256Hex(verification.token))).toBeNull();
    expect(await tokens.redeem('password-reset', others.token)).toEqual({
      purpose: 'password-reset',
      userId: 'u2',
    });
  });

  it('R18: an address change link names the new address and who asked for it until used; either verification purpose redeems it, as what it is', async () => {
    expect(await tokens.outstanding('email-change', 'u1')).toBeUndefined();
    const change = await tokens.issue('email-change', 'u1', 'ada@new.example', {
      issuedBy: 'cmd-ask',
      replaces: 'ada@example.com',
    });
    const verification = await tokens.issue('email-verification', 'u1', 'ada@example.com');
    expect(change.expiresAt).toEqual(new Date(clock + 24 * 3600_000));
    expect(await tokens.outstanding('email-change', 'u1')).toEqual({
      subject: 'ada@new.example',
      issuedBy: 'cmd-ask',
      expiresAt: change.expiresAt,
    });
    expect(await tokens.outstanding('email-change', 'u2')).toBeUndefined();
    expect(await codeOf(tokens.redeem('email-verification', change.token))).toBe('token-invalid');
    const either = ['email-verification', 'email-change'] as const;
    expect(await tokens.redeem(either, change.token, 'cmd-use')).toEqual({
      purpose: 'email-change',
      userId: 'u1',
      subject: 'ada@new.example',
      replaces: 'ada@example.com',
    });
    // Used, it is outstanding no more; the other purpose's link is untouched.
    expect(await tokens.outstanding('email-change', 'u1')).toBeUndefined();
    expect(await tokens.redeem(either, verification.token)).toMatchObject({ purpose: 'email-verification' });
    const expiring = await tokens.issue('email-change', 'u1', 'ada@third.example');
    clock = expiring.expiresAt.getTime();
    expect(await tokens.outstanding('email-change', 'u1')).toBeUndefined();
    const expired = await tokens.redeem(either, expiring.token).catch((e: DomainError) => e);
    expect(expired).toMatchObject({ code: 'token-expired', details: { purpose: 'email-change' } });
  });

  it('revoke makes outstanding links of that purpose unusable', async () => {
    const { token } = await tokens.issue('password-reset', 'u1');
    await tokens.revoke('password-reset', 'u1');
    expect(await codeOf(tokens.redeem('password-reset', token))).toBe('token-invalid');
  });
});
