import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@app/testing';
import { FilePersonalDataKeyStore, PersonalDataVault, SubjectErasedError } from '@app/personal-data';

const erasedAs = (field: string, subject: string) => `erased ${field} of ${subject}`;

describe('crypto-shredding with keys in files', () => {
  let dir: string;
  const master = randomBytes(32);
  const vault = (cacheMs = 30_000) =>
    new PersonalDataVault(new FilePersonalDataKeyStore(dir, master), cacheMs);

  beforeEach(async () => {
    dir = join(await makeTempDir('personal-data'), 'keys');
  });

  it('seals the named fields for a person, and any vault on the folder opens them', async () => {
    const data = { userId: 'u1', email: 'ada@example.com', name: 'Ada', at: '2026-12-01T08:00:00Z' };
    const sealed = await vault().seal('u1', data, ['email', 'name', 'phone']);
    expect(sealed.userId).toBe('u1');
    expect(JSON.stringify(sealed)).not.toMatch(/ada|Ada/);
    const opened = await vault().open(sealed, erasedAs); // another process, the same key
    expect(opened).toEqual({ data, erased: [] });
  });

  it('erasing a person makes every stored copy read as erased, and stores nothing new for them', async () => {
    const writer = vault();
    const sealed = await writer.seal('u1', { email: 'ada@example.com', name: 'Ada' }, ['email', 'name']);
    const other = await writer.seal('u2', { email: 'bob@example.com' }, ['email']);
    const storedDigest = createHash('sha256').update(JSON.stringify(sealed)).digest('hex');
    await writer.erase('u1');
    for (const reader of [writer, vault()]) {
      expect(await reader.open(sealed, erasedAs)).toEqual({
        data: { email: 'erased email of u1', name: 'erased name of u1' },
        erased: ['u1'],
      });
      expect(await reader.open(other, erasedAs)).toEqual({ data: { email: 'bob@example.com' }, erased: [] });
    }
    // What was stored (and hashed into the audit chain) is unchanged: only its key is gone.
    expect(createHash('sha256').update(JSON.stringify(sealed)).digest('hex')).toBe(storedDigest);
    await expect(vault().seal('u1', { email: 'ada@new.example' }, ['email'])).rejects.toBeInstanceOf(
      SubjectErasedError,
    );
    expect((await readdir(dir)).filter((f) => f.startsWith('u1'))).toEqual(['u1.erased']);
    await vault().erase('u1'); // again: nothing changes
  });

  it('two writers making a person key at once agree on one key', async () => {
    const [a, b] = [vault(), vault()];
    const [fromA, fromB] = await Promise.all([
      a.seal('u3', { email: 'a@example.com' }, ['email']),
      b.seal('u3', { email: 'b@example.com' }, ['email']),
    ]);
    expect((await vault().open(fromA, erasedAs)).data).toEqual({ email: 'a@example.com' });
    expect((await vault().open(fromB, erasedAs)).data).toEqual({ email: 'b@example.com' });
  });

  it('a key made while the person is being erased does not survive the erasure', async () => {
    for (let i = 0; i < 30; i++) {
      const subject = `race-${i}`;
      const store = new FilePersonalDataKeyStore(dir, master);
      await Promise.allSettled([store.keyFor(subject), store.erase(subject)]);
      expect({
        subject,
        key: await store.existingKey(subject),
        erased: await store.isErased(subject),
      }).toEqual({
        subject,
        key: null,
        erased: true,
      });
      expect(await store.keyFor(subject)).toBeNull();
    }
    expect((await readdir(dir)).filter((f) => f.endsWith('.key'))).toEqual([]);
  });

  it('a folder of keys opens nothing without its master key', async () => {
    const sealed = await vault().seal('u4', { email: 'c@example.com' }, ['email']);
    const stranger = new PersonalDataVault(new FilePersonalDataKeyStore(dir, randomBytes(32)));
    await expect(stranger.open(sealed, erasedAs)).rejects.toThrow();
  });
});
