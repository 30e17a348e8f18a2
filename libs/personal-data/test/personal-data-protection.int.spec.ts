import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@app/testing';
import {
  AddressSubjects,
  FilePersonalDataKeyStore,
  PersonalDataProtection,
  PersonalDataVault,
  acquirePersonalData,
  releasePersonalData,
  type PersonalDataKeyStore,
  type SealingRules,
} from '@app/personal-data';

const at = '2026-12-01T08:00:00.000Z';

describe('the event store protection: personal fields sealed per person, opened or read as erased', () => {
  let vault: PersonalDataVault;
  const addresses = new AddressSubjects(randomBytes(32));
  const rules: SealingRules = {
    events: [
      (stream, event) =>
        stream.startsWith('user-') && event.type === 'UserRegistered'
          ? ['email', 'name', 'phone'].map((field) => ({ field, subject: stream.slice(5) }))
          : [],
      (_stream, event) =>
        event.type === 'InvitationCreated'
          ? [
              {
                field: 'email',
                subject: addresses.of('email', String((event.data as { email?: unknown }).email)),
              },
            ]
          : [],
    ],
    snapshots: (_stream, property, value) =>
      property === 'email' ? addresses.of('email', value) : undefined,
  };

  let keysDir: string;
  const masterKey = randomBytes(32);

  beforeEach(async () => {
    keysDir = join(await makeTempDir('protection'), 'keys');
    vault = new PersonalDataVault(new FilePersonalDataKeyStore(keysDir, masterKey));
  });

  it('seals what the rules name, for whom they name, and nothing else', async () => {
    const protection = new PersonalDataProtection(vault, rules);
    const registered = {
      type: 'UserRegistered',
      data: { userId: 'u1', email: 'ada@example.com', name: 'Ada', phone: '+14155552671', at },
    };
    const sealed = await protection.seal('user-u1', registered);
    expect(sealed.data).toMatchObject({ userId: 'u1', at });
    for (const field of ['email', 'name', 'phone'])
      expect((sealed.data as Record<string, string>)[field]).toMatch(/^pd1\.u1\./);
    const other = { type: 'UserLocked', data: { userId: 'u1', reason: 'r', at } };
    expect(await protection.seal('user-u1', other)).toBe(other);
    // A reader needs no rules: the sealed value names whose key opens it.
    expect(await new PersonalDataProtection(vault).open(sealed)).toEqual(registered);
  });

  it('erasing a person: their fields read as erased (a phone is left out), another person’s still open', async () => {
    const protection = new PersonalDataProtection(vault, rules);
    const ada = await protection.seal('user-u1', {
      type: 'UserRegistered',
      data: { userId: 'u1', email: 'ada@example.com', name: 'Ada', phone: '+14155552671' },
    });
    const bob = await protection.seal('user-u2', {
      type: 'UserRegistered',
      data: { userId: 'u2', email: 'bob@example.com', name: 'Bob' },
    });
    await vault.erase('u1');
    expect((await protection.open(ada)).data).toEqual({
      userId: 'u1',
      email: 'erased-u1@erased.invalid',
      name: 'erased user u1',
    });
    expect((await protection.open(bob)).data).toEqual({
      userId: 'u2',
      email: 'bob@example.com',
      name: 'Bob',
    });
  });

  it('opens many events at once as it opens each: keys fetched together, erased ones read as erased', async () => {
    const protection = new PersonalDataProtection(vault, rules);
    const events = [];
    for (let i = 0; i < 40; i++)
      events.push(
        await protection.seal(`user-u${i % 7}`, {
          type: i % 3 === 0 ? 'UserLocked' : 'UserRegistered',
          data: { userId: `u${i % 7}`, email: `u${i}@example.com`, name: `User ${i}` },
        }),
      );
    await vault.erase('u3');
    const reader = new PersonalDataProtection(
      new PersonalDataVault(new FilePersonalDataKeyStore(keysDir, masterKey)),
    );
    const each = [];
    for (const event of events) each.push(await reader.open(event));
    expect(await reader.openAll(events)).toEqual(each);
    const names = each.map((e) => (e.data as { name?: string }).name);
    expect(names.filter((name) => name === 'erased user u3')).toHaveLength(4);
    expect(names.filter((name) => name?.startsWith('User '))).toHaveLength(36);
  });

  it('an invitee’s address has a key of its own, shared by every invitation to it and named without it', async () => {
    const protection = new PersonalDataProtection(vault, rules);
    const invite = (email: string) =>
      protection.seal('organization-o1', { type: 'InvitationCreated', data: { invitationId: 'i', email } });
    const [first, second] = [await invite('Zoe@Example.com'), await invite('zoe@example.com')];
    const subjectOf = (event: { data: object }) =>
      String((event.data as { email: string }).email).split('.')[1];
    expect(subjectOf(first)).toBe(subjectOf(second));
    expect(subjectOf(first)).toBe(addresses.of('email', 'zoe@example.com'));
    expect(subjectOf(first)).not.toMatch(/zoe/i);
    expect(addresses.of('email', 'zoe@example.com')).not.toBe(
      new AddressSubjects(randomBytes(32)).of('email', 'zoe@example.com'),
    );
    await vault.erase(addresses.of('email', 'zoe@example.com'));
    expect((await protection.open(second)).data).toEqual({
      invitationId: 'i',
      email: `erased-${addresses.of('email', 'zoe@example.com')}@erased.invalid`,
    });
  });

  it('an erased address can be invited again: under a new key, while what was erased stays erased', async () => {
    const protection = new PersonalDataProtection(vault, rules);
    const invite = (invitationId: string) =>
      protection.seal('organization-o1', {
        type: 'InvitationCreated',
        data: { invitationId, email: 'zoe@example.com' },
      });
    const base = addresses.of('email', 'zoe@example.com');
    const first = await invite('i1');
    // Erased while an organization still held her address in memory: its snapshot stores it as erased.
    await vault.erase(await vault.liveGeneration(base));
    const stale = { invitations: [['i1', { email: 'zoe@example.com' }]] };
    expect(await protection.sealSnapshot('organization-o1', stale)).toEqual({
      invitations: [['i1', { email: `erased-${base}@erased.invalid` }]],
    });
    const second = await invite('i2');
    expect(String((second.data as { email: string }).email)).toMatch(new RegExp(`^pd1\\.${base}-g2\\.`));
    expect((await protection.open(first)).data).toEqual({
      invitationId: 'i1',
      email: `erased-${base}@erased.invalid`,
    });
    expect((await protection.open(second)).data).toEqual({ invitationId: 'i2', email: 'zoe@example.com' });
    // Invited again, the address is live under its second key, and snapshots seal it with that.
    const live = await protection.sealSnapshot('organization-o1', {
      invitations: [['i2', { email: 'zoe@example.com' }]],
    });
    expect(JSON.stringify(live)).toContain(`pd1.${base}-g2.`);
    expect(await vault.liveGeneration(base)).toBe(`${base}-g2`);
  });

  it('snapshots are sealed wherever the rule finds a personal value, and open to the same state', async () => {
    const protection = new PersonalDataProtection(vault, rules);
    const state = {
      name: 'Acme',
      invitations: [
        ['i1', { email: 'zoe@example.com', role: 'user' }],
        ['i2', { phone: '+14155552671', role: 'admin' }],
      ],
    };
    const sealed = await protection.sealSnapshot('organization-o1', state);
    expect(JSON.stringify(sealed)).not.toContain('zoe@example.com');
    expect(JSON.stringify(sealed)).toContain('Acme');
    expect(await protection.openSnapshot(sealed)).toEqual(state);
    // Without snapshot rules a snapshot is stored as it is.
    expect(await new PersonalDataProtection(vault).sealSnapshot('organization-o1', state)).toBe(state);
    // With them, what holds nothing personal is kept as it is, not copied value by value; only the way to a
    // personal value is.
    const members = [['u1', 'user', [], false]];
    const plain = { name: 'Acme', members, invitations: [] };
    expect(await protection.sealSnapshot('organization-o1', plain)).toBe(plain);
    expect(await protection.openSnapshot(plain)).toBe(plain);
    const mixed = (await protection.sealSnapshot('organization-o1', {
      ...state,
      members,
    })) as typeof state & {
      members: unknown;
    };
    expect(mixed.members).toBe(members);
    expect(await protection.openSnapshot(mixed)).toEqual({ ...state, members });
  });

  it('a snapshot with many people in it has their keys fetched several at a time, opened or sealed', async () => {
    const state = {
      name: 'Acme',
      invitations: Array.from({ length: 40 }, (_, i) => [
        `i${i}`,
        { email: `p${i}@example.com`, role: 'user' },
      ]),
    };
    const sealed = await new PersonalDataProtection(vault, rules).sealSnapshot('organization-o1', state);
    // Another process, its key cache cold, over the same keys.
    const store = new FilePersonalDataKeyStore(keysDir, masterKey);
    let fetching = 0;
    let mostAtOnce = 0;
    const calls = { keyFor: 0, existingKey: 0, isErased: 0 };
    const counted: PersonalDataKeyStore = {
      keyFor: (subject) => (calls.keyFor++, store.keyFor(subject)),
      erase: (subject) => store.erase(subject),
      isErased: (subject) => (calls.isErased++, store.isErased(subject)),
      existingKey: async (subject) => {
        calls.existingKey++;
        mostAtOnce = Math.max(mostAtOnce, ++fetching);
        try {
          return await store.existingKey(subject);
        } finally {
          fetching--;
        }
      },
    };
    const reader = new PersonalDataProtection(new PersonalDataVault(counted));
    expect(await reader.openSnapshot(sealed)).toEqual(state);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(calls).toEqual({ keyFor: 0, existingKey: 40, isErased: 0 });
    // Sealing the next snapshot, in a third process: the same, and nothing looked up again value by value.
    mostAtOnce = 0;
    calls.existingKey = 0;
    const writer = new PersonalDataProtection(new PersonalDataVault(counted), rules);
    const next = await writer.sealSnapshot('organization-o1', state);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(calls).toEqual({ keyFor: 0, existingKey: 40, isErased: 0 });
    expect(await reader.openSnapshot(next)).toEqual(state);
  });

  it('a prefetch that remembers no missing key lets a key made elsewhere meanwhile open here', async () => {
    const bea = addresses.of('email', 'bea@example.com');
    const here = (rememberMissing: boolean) => async () => {
      const mine = new PersonalDataVault(new FilePersonalDataKeyStore(keysDir, masterKey));
      await mine.prefetch([bea], { rememberMissing });
      return mine;
    };
    const [remembering, forgetting] = [await here(true)(), await here(false)()];
    // Another replica makes Bea's key and seals her address with it.
    const elsewhere = new PersonalDataVault(new FilePersonalDataKeyStore(keysDir, masterKey));
    const sealed = await elsewhere.seal(bea, { email: 'bea@example.com' }, ['email']);
    const erased = (field: string) => `erased-${field}`;
    expect((await forgetting.open(sealed, erased)).data).toEqual({ email: 'bea@example.com' });
    // Remembered as missing, it reads as erased until the cache lets go (30 s): what sealing must not cause.
    expect((await remembering.open(sealed, erased)).data).toEqual({ email: 'erased-email' });
  });

  it('the services of one process share one vault per key store, so an erasure is seen by all at once', async () => {
    const dataDir = await makeTempDir('shared-keys');
    const [a, b] = await Promise.all([acquirePersonalData({ dataDir }), acquirePersonalData({ dataDir })]);
    expect(a.vault).toBe(b.vault);
    const masterKey = await readFile(join(dataDir, 'personal-data', 'master.key'), 'utf8');
    expect(Buffer.from(masterKey, 'base64')).toHaveLength(32);
    await releasePersonalData(a);
    await releasePersonalData(b);
    // Opened again, from the same folder: the same master key, so the same address subjects.
    const again = await acquirePersonalData({ dataDir });
    expect(again.vault).not.toBe(a.vault);
    expect(again.addresses.of('email', 'x@example.com')).toBe(a.addresses.of('email', 'x@example.com'));
    await releasePersonalData(again);
    await expect(acquirePersonalData({ dataDir, masterKey: 'c2hvcnQ=' })).rejects.toThrow(/32 bytes/);
  });
});
