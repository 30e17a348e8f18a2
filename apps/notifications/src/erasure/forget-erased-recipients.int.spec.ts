import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AddressSubjects, FilePersonalDataKeyStore, PersonalDataVault } from '@app/personal-data';
import { infraEnv, makeTempDir, waitFor } from '@app/testing';
import { LocalDeliveryLog, type DeliveryLog } from '../delivery/delivery-log';
import { MongoDeliveryLog } from '../delivery/mongo-delivery-log';
import { type OutgoingMessage } from '../delivery/outgoing-message';
import { VaultRecipientKeys, type RecipientKeys } from '../delivery/recipient-keys';

const masterKey = randomBytes(32);
const addresses = new AddressSubjects(masterKey);
let vault: PersonalDataVault;
let keys: VaultRecipientKeys;
beforeAll(async () => {
  vault = new PersonalDataVault(new FilePersonalDataKeyStore(await makeTempDir('forget-keys'), masterKey));
  keys = new VaultRecipientKeys(addresses, vault);
});
const subjectOf = (message: OutgoingMessage) =>
  addresses.of(message.channel === 'email' ? 'email' : 'phone', message.to);

const mail = (to: string, userId?: string): OutgoingMessage => ({
  channel: 'email',
  to,
  subject: 'Reset your password',
  text: `Follow https://app.example.com/reset?token=${randomUUID()} to choose a new password.`,
  idempotencyKey: `event-${randomUUID()}`,
  ...(userId ? { about: { userId } } : {}),
});
const text = (to: string): OutgoingMessage => ({
  channel: 'sms',
  to,
  text: 'You are invited',
  idempotencyKey: `event-${randomUUID()}`,
});

async function sent(log: DeliveryLog, message: OutgoingMessage): Promise<string> {
  const claim = await log.claim(message, Date.now(), 30_000);
  if (claim.kind !== 'claimed') throw new Error(`not claimed: ${claim.kind}`);
  await log.finish(claim.record, { status: 'sent', attempts: 1 }, Date.now());
  return claim.record._id;
}

interface Opened {
  readonly log: DeliveryLog;
  /** What the store keeps on disk, where that can be read here. */
  readonly onDisk?: () => string;
}

/** The two logs, each opened (again, over what it kept) with or without recipient keys. */
const logs: [string, boolean, () => Promise<(recipientKeys?: RecipientKeys) => Promise<Opened>>][] = [
  [
    'in a file (embedded default)',
    true,
    async () => {
      const file = join(await makeTempDir('forget'), 'deliveries.jsonl');
      return async (recipientKeys) => ({
        log: new LocalDeliveryLog(file, undefined, recipientKeys),
        onDisk: () => readFileSync(file, 'utf8'),
      });
    },
  ],
  [
    'in MongoDB',
    Boolean(infraEnv.mongoUrl),
    async () => {
      const url = new URL(infraEnv.mongoUrl!);
      url.pathname = `/forget_${randomUUID().slice(0, 8)}`;
      return async (recipientKeys) => ({
        log: await MongoDeliveryLog.connect(url.toString(), recipientKeys),
      });
    },
  ],
];

describe.each(logs)('erasure in the delivery log %s', (_, available, storeOf) => {
  const opened: DeliveryLog[] = [];
  afterEach(async () => {
    for (const log of opened.splice(0)) await log.close();
  });
  const run = available ? it : it.skip;

  run(
    'forgets every delivery to an erased address or about an erased user, and keeps the others',
    async () => {
      const open = await storeOf();
      const { log, onDisk } = await open(keys);
      opened.push(log);
      const ada = `ada-${randomUUID().slice(0, 8)}@example.com`;
      const adaOld = `ada-old-${randomUUID().slice(0, 8)}@example.com`;
      const adaPhone = '+4915112345678';
      const zed = `zed-${randomUUID().slice(0, 8)}@example.com`;
      const forgotten = [
        await sent(log, mail(ada, 'user-ada')),
        await sent(log, text(adaPhone)),
        // An address she had before changing it: known by the user it was about.
        await sent(log, mail(adaOld, 'user-ada')),
      ];
      // One still to go, under an attempt's lease.
      const pending = await log.claim(mail(ada), Date.now(), 30_000);
      if (pending.kind !== 'claimed') throw new Error('not claimed');
      forgotten.push(pending.record._id);
      const kept = await sent(log, mail(zed, 'user-zed'));

      const erased = ['user-ada', await keys.of(mail(ada)), await keys.of(text(adaPhone))];
      expect(await log.forget(erased)).toBe(4);
      for (const id of forgotten) expect(await log.find(id)).toBeUndefined();
      expect((await log.find(kept))?.message.to).toBe(zed);
      expect(await log.forget(erased)).toBe(0);
      const listed = JSON.stringify([
        ...(await log.list('sent', 1_000)),
        ...(await log.list('pending', 1_000)),
      ]);
      expect([ada, adaOld, adaPhone].filter((value) => listed.includes(value))).toEqual([]);
      // Nothing of hers is left on disk either, nor read back after a restart.
      if (onDisk) {
        expect(onDisk()).toContain(zed);
        expect([ada, adaOld, adaPhone].filter((value) => onDisk().includes(value))).toEqual([]);
      }
      const reopened = (await open(keys)).log;
      opened.push(reopened);
      expect(await reopened.find(forgotten[0]!)).toBeUndefined();
      expect((await reopened.find(kept))?.message.to).toBe(zed);
    },
  );

  run(
    'finds deliveries kept before their recipients were keyed (an earlier release), once opened with keys',
    async () => {
      const open = await storeOf();
      const before = await open();
      const ada = `ada-${randomUUID().slice(0, 8)}@example.com`;
      const id = await sent(before.log, mail(ada));
      expect((await before.log.find(id))?.recipientKey).toBeUndefined();
      await before.log.close();

      const { log } = await open(keys);
      opened.push(log);
      await waitFor(async () => (await log.find(id))?.recipientKey !== undefined, {
        what: 'the record keyed',
      });
      expect((await log.find(id))?.recipientKey).toBe(await keys.of(mail(ada)));
      expect(await log.forget([await keys.of(mail(ada))])).toBe(1);
      expect(await log.find(id)).toBeUndefined();
    },
  );

  run(
    'forgets only what went to the erased generation of an address: whoever has the address since keeps theirs',
    async () => {
      const open = await storeOf();
      const { log } = await open(keys);
      opened.push(log);
      const address = `reused-${randomUUID().slice(0, 8)}@example.com`;
      const before = await sent(log, mail(address));
      const erasedKey = await keys.of(mail(address));
      expect(erasedKey).toBe(subjectOf(mail(address)));
      // The person erased; later someone registers with the address again, under its next key.
      await vault.erase(erasedKey);
      keys.erased([erasedKey]);
      const after = await sent(log, mail(address));
      expect((await log.find(after))?.recipientKey).toBe(`${erasedKey}-g2`);
      // The erasure arrives late, or is read again: the newcomer's delivery stays.
      expect(await log.forget([erasedKey])).toBe(1);
      expect(await log.find(before)).toBeUndefined();
      expect((await log.find(after))?.message.to).toBe(address);
    },
  );

  run(
    'tries keying the earlier records again when the first try failed (the vault was unreachable)',
    async () => {
      const open = await storeOf();
      const before = await open();
      const ada = `ada-${randomUUID().slice(0, 8)}@example.com`;
      const id = await sent(before.log, mail(ada));
      await before.log.close();
      let outage = true;
      const flaky: RecipientKeys = {
        of: (message) => (outage ? Promise.reject(new Error('vault unreachable')) : keys.of(message)),
        erased: (erased) => keys.erased(erased),
      };
      const { log } = await open(flaky);
      opened.push(log);
      await expect(log.forget([await keys.of(mail(ada))])).rejects.toThrow('vault unreachable');
      outage = false;
      expect(await log.forget([await keys.of(mail(ada))])).toBe(1);
      expect(await log.find(id)).toBeUndefined();
    },
  );
});
