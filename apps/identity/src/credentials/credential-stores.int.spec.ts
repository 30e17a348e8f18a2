import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '@app/testing';
import { FileCredentialStore } from '../shared/file-secret-stores';
import { InMemoryCredentialStore, type CredentialStore } from './credential.store';

/** Which password change set the hash in force: what lets a retry of one finish it (PasswordManagement.change). */
describe('credential stores: the hash, and the password change that set it', () => {
  const cases: [string, (dir: string) => CredentialStore][] = [
    ['in memory', () => new InMemoryCredentialStore()],
    ['under the data dir', (dir) => new FileCredentialStore(dir)],
  ];

  it.each(cases)(
    '%s: a change is remembered with its hash; a hash set otherwise names none',
    async (_, open) =>
      withTempDir('credentials', async (dir) => {
        const store = open(dir);
        await store.setHash('ada', 'hash-1', new Date());
        expect([await store.getHash('ada'), await store.changedBy('ada')]).toEqual(['hash-1', undefined]);
        await store.setHash('ada', 'hash-2', new Date(), 'change-1');
        expect([await store.getHash('ada'), await store.changedBy('ada')]).toEqual(['hash-2', 'change-1']);
        // A sign-in's rehash of the same password is no change of it.
        await store.setHash('ada', 'hash-3', new Date());
        expect([await store.getHash('ada'), await store.changedBy('ada')]).toEqual(['hash-3', undefined]);
        expect(await store.changedBy('nobody')).toBeUndefined();
      }),
  );

  it('under the data dir: hashes written before changes were recorded with them read as they were', () =>
    withTempDir('credentials', async (dir) => {
      await mkdir(join(dir, 'identity'), { recursive: true });
      await writeFile(join(dir, 'identity', 'credentials.json'), JSON.stringify({ ada: 'old-hash' }));
      const store = new FileCredentialStore(dir);
      expect([await store.getHash('ada'), await store.changedBy('ada')]).toEqual(['old-hash', undefined]);
      await store.setHash('ada', 'new-hash', new Date(), 'change-1');
      const reopened = new FileCredentialStore(dir);
      expect([await reopened.getHash('ada'), await reopened.changedBy('ada')]).toEqual([
        'new-hash',
        'change-1',
      ]);
    }));
});
