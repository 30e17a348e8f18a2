import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { AddressSubjects } from './address-subjects';
import { PseudonymousIds } from './pseudonymous-ids';
import { FilePersonalDataKeyStore } from './file-key-store';
import { MongoPersonalDataKeyStore } from './mongo-key-store';
import { PersonalDataVault } from './personal-data-vault';

export interface PersonalDataSettings {
  /** Keys in MongoDB (database `personal-data`, shared by every replica); under `dataDir` otherwise. */
  readonly mongoUrl?: string;
  readonly dataDir: string;
  /** `PERSONAL_DATA_MASTER_KEY`, base64 of 32 bytes; without it, a key kept in `<dataDir>/personal-data/master.key`. */
  readonly masterKey?: string;
}

export interface PersonalData {
  readonly vault: PersonalDataVault;
  readonly addresses: AddressSubjects;
  readonly pseudonyms: PseudonymousIds;
}

interface Entry {
  readonly opened: Promise<PersonalData & { close(): Promise<void> }>;
  users: number;
}

const shared = new Map<string, Entry>();

/**
 * One vault per key store for every service in a process, so an erasure by one is seen by the others at once (their
 * caches are one). Released by the last user, like the event-store client.
 */
export function acquirePersonalData(settings: PersonalDataSettings): Promise<PersonalData> {
  const id = settings.mongoUrl ?? settings.dataDir;
  const entry = shared.get(id) ?? { opened: openPersonalData(settings), users: 0 };
  entry.users++;
  shared.set(id, entry);
  entry.opened.catch(() => shared.delete(id));
  return entry.opened;
}

export async function releasePersonalData(data: PersonalData): Promise<void> {
  for (const [id, entry] of shared) {
    const opened = await entry.opened.catch(() => undefined);
    if (opened?.vault !== data.vault) continue;
    if (--entry.users > 0) return;
    shared.delete(id);
    await opened.close();
    return;
  }
}

async function openPersonalData(
  settings: PersonalDataSettings,
): Promise<PersonalData & { close(): Promise<void> }> {
  const masterKey = await masterKeyOf(settings);
  const addresses = new AddressSubjects(masterKey);
  const pseudonyms = new PseudonymousIds(masterKey);
  if (settings.mongoUrl) {
    const client = await MongoClient.connect(settings.mongoUrl, { serverSelectionTimeoutMS: 10_000 });
    const keys = new MongoPersonalDataKeyStore(client.db('personal-data').collection('keys'), masterKey);
    return { vault: new PersonalDataVault(keys), addresses, pseudonyms, close: () => client.close() };
  }
  const keys = new FilePersonalDataKeyStore(join(settings.dataDir, 'personal-data', 'keys'), masterKey);
  return { vault: new PersonalDataVault(keys), addresses, pseudonyms, close: async () => undefined };
}

async function masterKeyOf(settings: PersonalDataSettings): Promise<Buffer> {
  if (settings.masterKey !== undefined && settings.masterKey !== '') {
    const key = Buffer.from(settings.masterKey, 'base64');
    if (key.length !== 32) throw new Error('PERSONAL_DATA_MASTER_KEY must be base64 of 32 bytes');
    return key;
  }
  const dir = join(settings.dataDir, 'personal-data');
  const file = join(dir, 'master.key');
  try {
    return await readMasterKey(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true });
  // Written aside and linked into place, so a reader never sees a half-written key.
  const aside = join(dir, `.master.${process.pid}.${randomBytes(4).toString('hex')}`);
  await writeFile(aside, randomBytes(32).toString('base64'), { mode: 0o600, flush: true });
  try {
    await link(aside, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another service made it first
  } finally {
    await unlink(aside);
  }
  return readMasterKey(file);
}

async function readMasterKey(file: string): Promise<Buffer> {
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key`);
  return key;
}
