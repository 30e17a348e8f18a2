import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '@app/testing';
import { adapterCases } from '../shared/adapters.testing';
import { FileCredentialStore } from '../shared/file-secret-stores';
import { InMemoryCredentialStore, MongoCredentialStore, type CredentialStore } from './credential.store';

const cases = adapterCases<CredentialStore>(
  () => new InMemoryCredentialStore(),
  (connection) => Promise.resolve(new MongoCredentialStore(connection)),
  (dir) => new FileCredentialStore(dir),
);

/**
 * The hash, the password change that set it (what lets a retry of one finish it: PasswordManagement.change), and a
 * sign-in's rehash, which never puts back a password changed meanwhile.
 */
describe.each(cases)('credential store on %s', (_name, adapter) => {
  let store: CredentialStore;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ subject: store, close } = await adapter.open());
  });
  afterEach(() => close());

  const held = async (userId: string) => [await store.getHash(userId), await store.changedBy(userId)];

  it('remembers the change that set a hash; a hash set otherwise names none', async () => {
    await store.setHash('ada', 'hash-1', new Date());
    expect(await held('ada')).toEqual(['hash-1', undefined]);
    await store.setHash('ada', 'hash-2', new Date(), 'change-1');
    expect(await held('ada')).toEqual(['hash-2', 'change-1']);
    await store.setHash('ada', 'hash-3', new Date());
    expect(await held('ada')).toEqual(['hash-3', undefined]);
    expect(await held('nobody')).toEqual([null, undefined]);
  });

  it('a rehash replaces only the hash it checked, keeping the change that set it', async () => {
    await store.setHash('ada', 'weak-1', new Date(), 'change-1');
    expect(await store.rehash('ada', 'weak-1', 'strong-1', new Date())).toBe(true);
    expect(await held('ada')).toEqual(['strong-1', 'change-1']);
    // Changed between the sign-in's check and its rehash: the change stays.
    await store.setHash('ada', 'weak-2', new Date(), 'change-2');
    expect(await store.rehash('ada', 'strong-1', 'strong-1-again', new Date())).toBe(false);
    expect(await held('ada')).toEqual(['weak-2', 'change-2']);
    expect(await store.rehash('nobody', 'x', 'y', new Date())).toBe(false);
  });
});

describe('credential store under the data dir, as earlier releases wrote it', () => {
  it('reads a bare hash as a hash no change set, and keeps what it writes over a reopen', () =>
    withTempDir('credentials', async (dir) => {
      await mkdir(join(dir, 'identity'), { recursive: true });
      await writeFile(join(dir, 'identity', 'credentials.json'), JSON.stringify({ ada: 'old-hash' }));
      const store = new FileCredentialStore(dir);
      expect([await store.getHash('ada'), await store.changedBy('ada')]).toEqual(['old-hash', undefined]);
      expect(await store.rehash('ada', 'old-hash', 'new-hash', new Date())).toBe(true);
      await store.setHash('bob', 'bob-hash', new Date(), 'change-1');
      const reopened = new FileCredentialStore(dir);
      expect([await reopened.getHash('ada'), await reopened.changedBy('ada')]).toEqual([
        'new-hash',
        undefined,
      ]);
      expect([await reopened.getHash('bob'), await reopened.changedBy('bob')]).toEqual([
        'bob-hash',
        'change-1',
      ]);
    }));
});
