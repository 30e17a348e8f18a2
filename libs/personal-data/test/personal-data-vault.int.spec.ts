import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { infraEnv, makeTempDir } from '@app/testing';
import {
  FilePersonalDataKeyStore,
  MongoPersonalDataKeyStore,
  PersonalDataVault,
  SubjectErasedError,
  type PersonalDataKeyStore,
} from '@app/personal-data';

const erasedAs = (field: string, subject: string) => `erased ${field} of ${subject}`;

interface KeyStores {
  /** A store over the same keys as every other one this returns, as another process would open them. */
  open(masterKey: Buffer): PersonalDataKeyStore;
  /** Whether any key material is left for `subject`. */
  keyLeft(subject: string): Promise<boolean>;
  close(): Promise<void>;
}

const stores: [string, () => Promise<KeyStores>][] = [
  [
    'files',
    async () => {
      const dir = join(await makeTempDir('personal-data'), 'keys');
      return {
        open: (master) => new FilePersonalDataKeyStore(dir, master),
        keyLeft: async (subject) => (await readdir(dir)).includes(`${subject}.key`),
        close: async () => undefined,
      };
    },
  ],
];
if (infraEnv.mongoUrl)
  stores.push([
    'MongoDB',
    async () => {
      const client = await MongoClient.connect(infraEnv.mongoUrl!);
      const db = client.db(`personal_data_${randomBytes(4).toString('hex')}`);
      const keys = db.collection<{ _id: string; wrapped?: unknown }>('personal_data_keys');
      return {
        open: (master) => new MongoPersonalDataKeyStore(keys as never, master),
        keyLeft: async (subject) => (await keys.findOne({ _id: subject }))?.wrapped !== undefined,
        close: async () => {
          await db.dropDatabase();
          await client.close();
        },
      };
    },
  ]);

describe.each(stores)('crypto-shredding with keys in %s', (_name, create) => {
  let keyStores: KeyStores;
  const master = randomBytes(32);
  const vault = (cacheMs = 30_000) => new PersonalDataVault(keyStores.open(master), cacheMs);

  beforeEach(async () => {
    keyStores = await create();
  });
  afterEach(() => keyStores.close());

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
    expect(await keyStores.keyLeft('u1')).toBe(false);
    expect(await keyStores.keyLeft('u2')).toBe(true);
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
      const store = keyStores.open(master);
      const outcomes = await Promise.allSettled([store.keyFor(subject), store.erase(subject)]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
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
      expect(await keyStores.keyLeft(subject)).toBe(false);
    }
  });

  it('an erasure while a key is being looked up wins: the key read before it is not kept', async () => {
    const store = keyStores.open(master);
    const sealed = await new PersonalDataVault(store).seal('u5', { email: 'e@example.com' }, ['email']);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    // The same store, with each lookup answering only once `release` is called (a slow round trip).
    const slow: PersonalDataKeyStore = {
      keyFor: (subject) => store.keyFor(subject),
      existingKey: async (subject) => {
        const key = await store.existingKey(subject);
        await held;
        return key;
      },
      erase: (subject) => store.erase(subject),
      isErased: (subject) => store.isErased(subject),
    };
    const reader = new PersonalDataVault(slow);
    const opening = reader.open(sealed, erasedAs);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await reader.erase('u5');
    release();
    expect((await opening).data).toEqual({ email: 'erased email of u5' });
    expect((await reader.open(sealed, erasedAs)).data).toEqual({ email: 'erased email of u5' });
  });

  it('the stored keys open nothing without their master key', async () => {
    const sealed = await vault().seal('u4', { email: 'c@example.com' }, ['email']);
    const stranger = new PersonalDataVault(keyStores.open(randomBytes(32)));
    await expect(stranger.open(sealed, erasedAs)).rejects.toThrow();
  });
});
