import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../shared/secrets';
import { adapterCases } from '../shared/adapters.testing';
import { dataDirSessionStores } from '../shared/data-dir-stores';
import { MongoRefreshTokenStore } from './mongo-refresh-token.store';
import { InMemoryRefreshTokenStore, type RefreshTokenStore } from './refresh-token.store';
import { RefreshTokenError, RefreshTokens, type RefreshFailure } from './refresh-tokens';

const cases = adapterCases<RefreshTokenStore>(
  () => new InMemoryRefreshTokenStore(),
  async (connection) => {
    const store = new MongoRefreshTokenStore(connection);
    await store.ensureIndexes();
    return store;
  },
  (dir) => dataDirSessionStores(dir).refreshTokens,
);

const PWD = ['pwd'];

async function failure(promise: Promise<unknown>): Promise<RefreshFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RefreshTokenError) return error.reason;
    throw error;
  }
  throw new Error('the refresh token was accepted');
}

describe.each(cases)('refresh tokens on %s', (_name, adapter) => {
  let store: RefreshTokenStore;
  let close: () => Promise<void>;
  let clock: number;
  let tokens: RefreshTokens;

  beforeEach(async () => {
    ({ subject: store, close } = await adapter.open());
    clock = Date.UTC(2026, 0, 1);
    tokens = new RefreshTokens(store, { ttlMs: 3600_000, now: () => clock });
  });
  afterEach(() => close());

  it('stores only the hash of the token', async () => {
    const issued = await tokens.issue('u1', PWD);
    expect(await store.findToken(issued.token)).toBeNull();
    const record = await store.findToken(sha256Hex(issued.token));
    expect(record).toMatchObject({ familyId: issued.familyId, userId: 'u1' });
    expect(JSON.stringify(record)).not.toContain(issued.token);
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('rotates: the successor works, in the same family', async () => {
    const first = await tokens.issue('u1', PWD);
    const second = await tokens.rotate(first.token);
    expect(second).toMatchObject({ familyId: first.familyId, userId: 'u1' });
    expect(second.token).not.toBe(first.token);
    const third = await tokens.rotate(second.token);
    expect(third.familyId).toBe(first.familyId);
  });

  it('R22: every rotation says how the session was opened, as it was at login', async () => {
    const withPassword = await tokens.issue('u1', PWD);
    const withCode = await tokens.issue('u1', ['pwd', 'otp']);
    expect(withPassword.amr).toEqual(['pwd']);
    const once = await tokens.rotate(withCode.token);
    expect((await tokens.rotate(once.token)).amr).toEqual(['pwd', 'otp']);
    expect((await tokens.rotate(withPassword.token)).amr).toEqual(['pwd']);
  });

  it('a session kept from before its methods were recorded counts as opened with the password alone', async () => {
    await store.createFamily({ familyId: 'old', userId: 'u1', createdAt: new Date(clock) });
    await store.insertToken({
      tokenHash: sha256Hex('an old token'),
      familyId: 'old',
      userId: 'u1',
      issuedAt: new Date(clock),
      expiresAt: new Date(clock + 60_000),
    });
    expect((await tokens.rotate('an old token')).amr).toEqual(['pwd']);
  });

  it('reuse of a rotated token revokes the whole family', async () => {
    const first = await tokens.issue('u1', PWD);
    const second = await tokens.rotate(first.token);
    expect(await failure(tokens.rotate(first.token))).toBe('reused');
    expect(await failure(tokens.rotate(second.token))).toBe('revoked');
    expect(await tokens.isSessionActive(first.familyId)).toBe(false);
  });

  it('two concurrent uses of one token: one wins, the other is a reuse that ends the session', async () => {
    const first = await tokens.issue('u1', PWD);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => tokens.rotate(first.token)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const reasons = results.flatMap((r) =>
      r.status === 'rejected' ? [(r.reason as RefreshTokenError).reason] : [],
    );
    expect(won).toHaveLength(1);
    expect(reasons.filter((r) => r === 'reused').length).toBeGreaterThanOrEqual(1);
    expect(reasons.every((r) => r === 'reused' || r === 'revoked')).toBe(true);
    const winner = (won[0] as PromiseFulfilledResult<{ token: string }>).value;
    expect(await failure(tokens.rotate(winner.token))).toBe('revoked');
  });

  it('a repeat of the same rotation (same command id) gets the same successor and the session goes on', async () => {
    const first = await tokens.issue('u1', PWD);
    const second = await tokens.rotate(first.token, 'cmd-1');
    clock += 60_000;
    const repeated = await tokens.rotate(first.token, 'cmd-1');
    expect(repeated).toMatchObject({ token: second.token, familyId: first.familyId, userId: 'u1', amr: PWD });
    expect(repeated.expiresAt).toEqual(second.expiresAt);
    expect(await tokens.isSessionActive(first.familyId)).toBe(true);
    const third = await tokens.rotate(second.token, 'cmd-2');
    expect(third.familyId).toBe(first.familyId);
  });

  it('concurrent repeats of one rotation all get the same successor', async () => {
    const first = await tokens.issue('u1', PWD);
    const results = await Promise.all(Array.from({ length: 5 }, () => tokens.rotate(first.token, 'cmd-1')));
    expect(new Set(results.map((r) => r.token)).size).toBe(1);
    expect(await tokens.isSessionActive(first.familyId)).toBe(true);
  });

  it('the rotated token used by another request is reuse, even within the repeat window', async () => {
    const first = await tokens.issue('u1', PWD);
    await tokens.rotate(first.token, 'cmd-1');
    expect(await failure(tokens.rotate(first.token, 'cmd-2'))).toBe('reused');
    expect(await tokens.isSessionActive(first.familyId)).toBe(false);
  });

  it('a repeat once the successor was used is reuse: its owner has it, and the repeat mints nothing', async () => {
    const first = await tokens.issue('u1', PWD);
    const second = await tokens.rotate(first.token, 'cmd-1');
    await tokens.rotate(second.token);
    expect(await failure(tokens.rotate(first.token, 'cmd-1'))).toBe('reused');
    expect(await tokens.isSessionActive(first.familyId)).toBe(false);
  });

  it.each([
    ['minting its successor', 'insertToken'],
    ['recording the rotation', 'recordRotation'],
  ] as const)(
    'a rotation that failed after using the token (%s) is finished by its retry; another request is still reuse',
    async (_step, failing) => {
      const first = await tokens.issue('u1', PWD);
      const broken = jest.spyOn(store, failing).mockRejectedValueOnce(new Error('the store is out of reach'));
      await expect(tokens.rotate(first.token, 'cmd-1')).rejects.toThrow('the store is out of reach');
      broken.mockRestore();
      const second = await tokens.rotate(first.token, 'cmd-1');
      expect(second).toMatchObject({ familyId: first.familyId, userId: 'u1' });
      expect(await tokens.isSessionActive(first.familyId)).toBe(true);
      // Recorded now: a repeat gets that same successor, and the successor goes on.
      expect((await tokens.rotate(first.token, 'cmd-1')).token).toBe(second.token);
      expect((await tokens.rotate(second.token, 'cmd-2')).familyId).toBe(first.familyId);

      const other = await tokens.issue('u1', PWD);
      const failedAgain = jest
        .spyOn(store, failing)
        .mockRejectedValueOnce(new Error('the store is out of reach'));
      await expect(tokens.rotate(other.token, 'cmd-3')).rejects.toThrow('the store is out of reach');
      failedAgain.mockRestore();
      expect(await failure(tokens.rotate(other.token, 'cmd-4'))).toBe('reused');
      expect(await tokens.isSessionActive(other.familyId)).toBe(false);
    },
  );

  it('a first attempt slower than its retry: both are answered with the one successor recorded', async () => {
    const first = await tokens.issue('u1', PWD);
    const insertToken = store.insertToken.bind(store);
    let [goOn, minting] = [() => {}, () => {}];
    const held = new Promise<void>((resolve) => (goOn = resolve));
    const firstMints = new Promise<void>((resolve) => (minting = resolve));
    const slow = jest.spyOn(store, 'insertToken').mockImplementationOnce(async (record) => {
      minting();
      await held;
      return insertToken(record);
    });
    const slowAnswer = tokens.rotate(first.token, 'cmd-1');
    // The first attempt has used the token and is minting its successor when its retry comes.
    await firstMints;
    const retried = await tokens.rotate(first.token, 'cmd-1');
    goOn();
    expect((await slowAnswer).token).toBe(retried.token);
    slow.mockRestore();
    expect(await tokens.isSessionActive(first.familyId)).toBe(true);
    expect((await tokens.rotate(retried.token, 'cmd-2')).familyId).toBe(first.familyId);
  });

  it('a retry of a rotation that failed after using the token, once half the repeat window passed, is reuse', async () => {
    const first = await tokens.issue('u1', PWD);
    const broken = jest.spyOn(store, 'recordRotation').mockRejectedValueOnce(new Error('down'));
    await expect(tokens.rotate(first.token, 'cmd-1')).rejects.toThrow('down');
    broken.mockRestore();
    clock += 2.5 * 60_000;
    expect(await failure(tokens.rotate(first.token, 'cmd-1'))).toBe('reused');
    expect(await tokens.isSessionActive(first.familyId)).toBe(false);
  });

  it('a repeat after the window is reuse', async () => {
    const first = await tokens.issue('u1', PWD);
    await tokens.rotate(first.token, 'cmd-1');
    clock += 5 * 60_000;
    expect(await failure(tokens.rotate(first.token, 'cmd-1'))).toBe('reused');
    expect(await tokens.isSessionActive(first.familyId)).toBe(false);
  });

  it('a repeat of a session already ended gets nothing', async () => {
    const first = await tokens.issue('u1', PWD);
    await tokens.rotate(first.token, 'cmd-1');
    await tokens.revoke(first.token);
    expect(await failure(tokens.rotate(first.token, 'cmd-1'))).toBe('revoked');
  });

  it('keeps the successor of a rotation only sealed', async () => {
    const first = await tokens.issue('u1', PWD);
    const second = await tokens.rotate(first.token, 'cmd-1');
    const rotation = await store.findRotation(sha256Hex(first.token));
    expect(rotation).toMatchObject({ commandId: 'cmd-1' });
    expect(JSON.stringify(rotation)).not.toContain(second.token);
    expect(JSON.stringify(rotation)).not.toContain(first.token);
  });
  it('a change dated at an instant ends again the sessions opened before it, none opened since', async () => {
    const before = await tokens.issue('u1', PWD);
    clock += 1_000;
    const changedAt = new Date(clock).toISOString();
    const since = await tokens.issue('u1', PWD);
    const otherUser = await tokens.issue('u2', PWD);
    await tokens.revokeOpenedBefore('u1', changedAt);
    expect(await tokens.isSessionActive(before.familyId)).toBe(false);
    expect(await tokens.isSessionActive(since.familyId)).toBe(true);
    expect(await tokens.isSessionActive(otherUser.familyId)).toBe(true);
    await tokens.revokeOpenedBefore('u1', undefined);
    expect(await tokens.isSessionActive(since.familyId)).toBe(false);
  });

  it('logout revokes the session; unknown tokens are ignored', async () => {
    const session = await tokens.issue('u1', PWD);
    await tokens.revoke(session.token);
    await tokens.revoke('never-issued');
    expect(await failure(tokens.rotate(session.token))).toBe('revoked');
  });

  it("lists the user's open sessions, the latest used first: opened when, used last when, until when, with a second factor or not", async () => {
    const laptop = await tokens.issue('u1', PWD);
    clock += 60_000;
    const phone = await tokens.issue('u1', ['pwd', 'otp']);
    await tokens.issue('u2', PWD);
    clock += 60_000;
    // The laptop refreshes: now it is the latest used, still opened when it was.
    await tokens.rotate(laptop.token);
    const at = (ms: number) => new Date(ms).toISOString();
    const start = Date.UTC(2026, 0, 1);
    expect(await tokens.sessionsOf('u1')).toEqual([
      {
        sessionId: laptop.familyId,
        signedInAt: at(start),
        lastUsedAt: at(start + 120_000),
        expiresAt: at(start + 120_000 + 3600_000),
        secondFactor: false,
      },
      {
        sessionId: phone.familyId,
        signedInAt: at(start + 60_000),
        lastUsedAt: at(start + 60_000),
        expiresAt: at(start + 60_000 + 3600_000),
        secondFactor: true,
      },
    ]);
    // Ended or expired, a session is not listed.
    await tokens.revoke(laptop.token);
    expect((await tokens.sessionsOf('u1')).map((s) => s.sessionId)).toEqual([phone.familyId]);
    clock = start + 60_000 + 3600_000;
    expect(await tokens.sessionsOf('u1')).toEqual([]);
    expect(await tokens.sessionsOf('nobody')).toEqual([]);
  });

  it("ends one of the user's sessions and no other; again, nothing; another user's or an unknown one is none of theirs", async () => {
    const lost = await tokens.issue('u1', PWD);
    const kept = await tokens.issue('u1', PWD);
    const others = await tokens.issue('u2', PWD);
    await tokens.endSession('u1', lost.familyId);
    expect(await failure(tokens.rotate(lost.token))).toBe('revoked');
    expect(await tokens.isSessionActive(lost.familyId)).toBe(false);
    await tokens.endSession('u1', lost.familyId);
    for (const sessionId of [others.familyId, 'no-such-session'])
      await expect(tokens.endSession('u1', sessionId)).rejects.toMatchObject({
        code: 'session-not-found',
        kind: 'not-found',
      });
    expect(await tokens.isSessionActive(others.familyId)).toBe(true);
    expect((await tokens.rotate(kept.token)).familyId).toBe(kept.familyId);
    expect((await tokens.sessionsOf('u1')).map((s) => s.sessionId)).toEqual([kept.familyId]);
  });

  it('a session ended while its use is being noted stays ended and unlisted; one never noted is not listed', async () => {
    const session = await tokens.issue('u1', PWD);
    await tokens.endSession('u1', session.familyId);
    // A refresh that read the session before it ended notes its use after: the end stands.
    await store.noteActivity({
      familyId: session.familyId,
      userId: 'u1',
      lastUsedAt: new Date(clock),
      expiresAt: new Date(clock + 3600_000),
    });
    expect(await tokens.isSessionActive(session.familyId)).toBe(false);
    expect(await tokens.sessionsOf('u1')).toEqual([]);
    await store.createFamily({ familyId: 'opened-before-notes', userId: 'u1', createdAt: new Date(clock) });
    expect(await tokens.sessionsOf('u1')).toEqual([]);
  });

  it("forgets when an erased account's sessions were used, and no one else's", async () => {
    const erased = await tokens.issue('u1', PWD);
    const others = await tokens.issue('u2', PWD);
    // Not ended first, so that what is listed depends on the notes alone.
    expect((await tokens.sessionsOf('u1')).map((s) => s.sessionId)).toEqual([erased.familyId]);
    await tokens.forgetActivityOf('u1');
    expect(await store.liveSessionsOf('u1', new Date(0))).toEqual([]);
    expect(await tokens.isSessionActive(erased.familyId)).toBe(true);
    expect((await tokens.sessionsOf('u2')).map((s) => s.sessionId)).toEqual([others.familyId]);
  });

  it('revokeAllForUser ends every session of that user and no other', async () => {
    const a = await tokens.issue('u1', PWD);
    const b = await tokens.issue('u1', PWD);
    const other = await tokens.issue('u2', PWD);
    await tokens.revokeAllForUser('u1');
    expect(await failure(tokens.rotate(a.token))).toBe('revoked');
    expect(await failure(tokens.rotate(b.token))).toBe('revoked');
    expect((await tokens.rotate(other.token)).userId).toBe('u2');
    const fresh = await tokens.issue('u1', PWD);
    expect((await tokens.rotate(fresh.token)).userId).toBe('u1');
  });

  it('ending every session around a change: no old session refreshes during it, none opened during it survives', async () => {
    const stolen = await tokens.issue('u1', PWD);
    const other = await tokens.issue('u2', PWD);
    let during: { refresh?: RefreshFailure; opened?: string } = {};
    const answer = await tokens.endAllAround('u1', async () => {
      during = {
        refresh: await failure(tokens.rotate(stolen.token)),
        opened: (await tokens.issue('u1', PWD)).token,
      };
      return 'changed';
    });
    expect(answer).toBe('changed');
    expect(during.refresh).toBe('revoked');
    expect(await failure(tokens.rotate(during.opened!))).toBe('revoked');
    expect((await tokens.rotate(other.token)).userId).toBe('u2');
    const after = await tokens.issue('u1', PWD);
    expect((await tokens.rotate(after.token)).userId).toBe('u1');
  });

  it('rejects expired and unknown tokens', async () => {
    const session = await tokens.issue('u1', PWD);
    clock += 3600_000;
    expect(await failure(tokens.rotate(session.token))).toBe('expired');
    expect(await failure(tokens.rotate('bogus'))).toBe('unknown');
  });
});

describe('sessions on the embedded default, across a restart', () => {
  it('lists them as before, with their times', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessions-'));
    try {
      const clock = Date.UTC(2026, 0, 1);
      const before = new RefreshTokens(dataDirSessionStores(dir).refreshTokens, { now: () => clock });
      const session = await before.issue('u1', ['pwd', 'otp']);
      const listed = await before.sessionsOf('u1');
      const after = new RefreshTokens(dataDirSessionStores(dir).refreshTokens, { now: () => clock });
      expect(await after.sessionsOf('u1')).toEqual(listed);
      expect(listed).toEqual([expect.objectContaining({ sessionId: session.familyId, secondFactor: true })]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
