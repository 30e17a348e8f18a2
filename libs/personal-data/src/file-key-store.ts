import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, link, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PersonalDataKeyStore } from './key-store';
import { KeyWrapping, checkedSubject } from './key-wrapping';

/**
 * Per-person keys as files, one per subject (`<subject>.key`), each wrapped with the master key so a copy of the
 * folder alone opens nothing. Erasing leaves `<subject>.erased` and removes the key file: the marker comes first, so
 * no key is made again, and a key made in a race with the erasure removes itself. For the embedded default and one
 * host; replicas on several hosts need a shared store.
 */
export class FilePersonalDataKeyStore implements PersonalDataKeyStore {
  private readonly wrapping: KeyWrapping;

  constructor(
    private readonly dir: string,
    masterKey: Buffer,
  ) {
    this.wrapping = new KeyWrapping(masterKey);
  }

  async keyFor(subject: string): Promise<Buffer | null> {
    const existing = await this.existingKey(subject);
    if (existing || (await this.isErased(subject))) return existing;
    await mkdir(this.dir, { recursive: true });
    const key = randomBytes(32);
    const aside = join(this.dir, `.${subject}.${process.pid}.${randomBytes(4).toString('hex')}`);
    await writeFile(aside, this.wrapping.wrap(subject, key), { mode: 0o600, flush: true });
    try {
      await link(aside, this.keyFile(subject));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return this.existingKey(subject); // another writer's key won
    } finally {
      await unlink(aside);
    }
    await this.syncDir();
    if (await this.isErased(subject)) {
      await this.erase(subject);
      return null;
    }
    return key;
  }

  /**
   * Read synchronously: a key file is some 60 bytes in the page cache, and a rebuild looks up thousands; a round trip
   * through the thread pool for each costs several times the read.
   */
  async existingKey(subject: string): Promise<Buffer | null> {
    let wrapped: Buffer;
    try {
      wrapped = readFileSync(this.keyFile(subject));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    // No look for the erasure marker: a key file still there next to one is an erasure under way (the marker goes
    // first, the key right after), and reading it then is reading it just before.
    return Promise.resolve(this.wrapping.unwrap(subject, wrapped));
  }

  async erase(subject: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.erasedFile(subject), '', { flush: true });
    await unlink(this.keyFile(subject)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await this.syncDir();
  }

  async isErased(subject: string): Promise<boolean> {
    return (await stat(this.erasedFile(subject)).catch(notFound)) !== undefined;
  }

  private keyFile(subject: string): string {
    return join(this.dir, `${checkedSubject(subject)}.key`);
  }

  private erasedFile(subject: string): string {
    return join(this.dir, `${checkedSubject(subject)}.erased`);
  }

  /** The directory entry (a new key, or an unlinked one) is durable only once the directory is synced. */
  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function notFound(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT') return undefined;
  throw error;
}
