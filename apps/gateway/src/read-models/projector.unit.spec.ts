import { loadPermissionsCatalog } from '@app/permissions';
import { AddressSubjects } from '@app/personal-data';
import { InMemoryReadStore } from '@app/read-store';
import { nameAt, orgScoped, type MemberDoc, type UserDoc } from './documents';
import { organizationEventOf } from './organization-events.testing';
import { ReadModelProjector, type UnfilledGap } from './projector';
import { readModelsOf, type ReadModels } from './read-models';
import { type UserEvent } from './user.projection';

const at = '2026-01-01T00:00:00.000Z';
const orgId = 'org-1';
const userId = 'user-1';

const registered: UserEvent = {
  type: 'UserRegistered',
  userId,
  revision: 0,
  at,
  data: { userId, actorId: userId, at, name: 'Ada', email: 'ada@example.com' },
};

/** An event of the user's own (no other fields), stamped at `when`. */
const ownEvent = (type: string, revision: number, when: string): UserEvent => ({
  type,
  userId,
  revision,
  at: when,
  data: { userId, actorId: userId, at: when },
});

const renamed = (revision: number, name: string): UserEvent => ({
  type: 'ProfileUpdated',
  userId,
  revision,
  at,
  data: { userId, actorId: userId, at, name },
});

/** An organization event of `orgId` by its owner, stamped at `when`. */
const orgEventAt = (revision: number, type: string, when: string, data: Record<string, unknown>) =>
  organizationEventOf(orgId, revision, type, when, data);

function emptyModels(): { models: ReadModels; projector: ReadModelProjector } {
  const models = readModelsOf(new InMemoryReadStore());
  return {
    models,
    projector: new ReadModelProjector(
      models,
      loadPermissionsCatalog({}),
      new AddressSubjects(Buffer.alloc(32)),
    ),
  };
}

async function setUp(): Promise<{ models: ReadModels; projector: ReadModelProjector }> {
  const { models, projector } = emptyModels();
  await projector.applyUserEvent(registered);
  await models.members.upsertIfNewer({
    _id: orgScoped(orgId, userId),
    revision: 1,
    orgId,
    userId,
    role: 'user',
    granted: [],
    permissions: [],
    teamIds: [],
    managedTeamIds: [],
    schedulable: false,
    joinedAt: at,
    name: 'Ada',
    email: 'ada@example.com',
  } as unknown as MemberDoc);
  return { models, projector };
}

const memberName = async (models: ReadModels) => (await models.members.get(orgScoped(orgId, userId)))?.name;

describe('user events in the read models', () => {
  it('the user document reaches the event’s revision only once the member documents carry the change', async () => {
    const { models, projector } = await setUp();
    let done = false;
    const applying = projector.applyUserEvent(renamed(1, 'Ada L.')).finally(() => {
      done = true;
    });
    // A reader (a client that just changed its name, reading its memberships) at every step of the write: the
    // in-memory store answers from what it holds when asked, so both documents are read at the same moment.
    const reads: Promise<[UserDoc | null, string | undefined]>[] = [];
    while (!done) {
      reads.push(Promise.all([models.users.get(userId), memberName(models)]));
      await null;
    }
    await applying;
    const seen = (await Promise.all(reads)).map(([user, name]) => ({ user, memberName: name }));

    const atNewRevision = seen.filter((s) => s.user?.revision === 1);
    expect(atNewRevision.map((s) => s.memberName)).toEqual(atNewRevision.map(() => 'Ada L.'));
    expect(await models.users.get(userId)).toMatchObject({ revision: 1, name: 'Ada L.' });
    expect(await memberName(models)).toBe('Ada L.');
  });

  it('two appliers of one user’s renames at once: the older, written last, leaves the newer name on the members', async () => {
    const { models, projector } = await setUp();
    // Another replica (a rebuild's pass after its switch, say) applies the older rename with a slow first write.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const slowMembers = Object.assign(Object.create(models.members) as typeof models.members, {
      updateMany: async (...args: Parameters<typeof models.members.updateMany>) => {
        if (first) {
          first = false;
          await held;
        }
        return models.members.updateMany(...args);
      },
    });
    const other = new ReadModelProjector(
      { ...models, members: slowMembers },
      loadPermissionsCatalog({}),
      new AddressSubjects(Buffer.alloc(32)),
    );
    const older = other.applyUserEvent(renamed(1, 'Bob'));
    await new Promise((resolve) => setImmediate(resolve));
    await projector.applyUserEvent(renamed(2, 'Robert'));
    release();
    await older;
    expect(await models.users.get(userId)).toMatchObject({ revision: 2, name: 'Robert' });
    expect(await memberName(models)).toBe('Robert');
  });

  it('a member document from before names were kept with their revision takes the newer name, whatever the interleaving', async () => {
    const { models } = await setUp(); // its member document has no profileRevision
    // The newer writer pauses between its two steps; the older one runs both meanwhile.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const pausing = Object.assign(Object.create(models.members) as typeof models.members, {
      updateMany: async (...args: Parameters<typeof models.members.updateMany>) => {
        if (++calls === 2) await held;
        return models.members.updateMany(...args);
      },
    });
    type Profile = { name: string; email: string; profileRevision: number };
    type Writer = { setProfile(where: object, profile: Profile): Promise<void> };
    const writer = (members: typeof models.members) =>
      new ReadModelProjector(
        { ...models, members },
        loadPermissionsCatalog({}),
        new AddressSubjects(Buffer.alloc(32)),
      ) as unknown as Writer;
    const user = (revision: number, name: string): Profile => ({
      name,
      email: 'ada@example.com',
      profileRevision: revision,
    });
    const newer = writer(pausing).setProfile({ userId }, user(8, 'Robert'));
    await new Promise((resolve) => setImmediate(resolve));
    await writer(models.members).setProfile({ userId }, user(6, 'Bob'));
    release();
    await newer;
    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject({
      name: 'Robert',
      profileRevision: 8,
    });
  });

  it('after the user’s deletion, their registration delivered again changes nothing, in the member documents either', async () => {
    const { models, projector } = await setUp();
    await projector.applyUserEvent(renamed(1, 'Ada L.'));
    await projector.applyUserEvent({ type: 'UserDeleted', userId, revision: 2, at, data: { userId, at } });
    // Until membership's removal is projected, the member document names nobody: what a replay would give.
    const erased = { name: 'erased user user-1', email: 'erased-user-1@erased.invalid' };
    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject(erased);

    await projector.applyUserEvent(registered);

    expect(await models.users.get(userId)).toBeNull();
    expect(await models.users.revisionOf(userId)).toEqual({ revision: 2, deleted: true });
    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject(erased);
  });

  it('an older event delivered again changes nothing, in the member documents either', async () => {
    const { models, projector } = await setUp();
    await projector.applyUserEvent(renamed(1, 'Ada L.'));
    await projector.applyUserEvent(renamed(2, 'Ada Lovelace'));

    await projector.applyUserEvent(renamed(1, 'Ada L.'));

    expect(await models.users.get(userId)).toMatchObject({ revision: 2, name: 'Ada Lovelace' });
    expect(await memberName(models)).toBe('Ada Lovelace');
  });

  it('keeps when the user’s sessions ended (password changed or reset, two-factor on or off), and later events keep it', async () => {
    const { models, projector } = await setUp();
    const changedAt = '2026-01-02T10:00:00.123Z';
    await projector.applyUserEvent({
      type: 'PasswordChanged',
      userId,
      revision: 1,
      at: changedAt,
      data: { userId, actorId: userId, at: changedAt, reason: 'change' },
    });
    expect(await models.users.get(userId)).toMatchObject({ revision: 1, sessionsEndedAt: changedAt });
    await projector.applyUserEvent(renamed(2, 'Ada L.'));
    expect(await models.users.get(userId)).toMatchObject({ revision: 2, sessionsEndedAt: changedAt });
    const enabledAt = '2026-01-03T08:00:00.000Z';
    await projector.applyUserEvent(ownEvent('TwoFactorEnabled', 3, enabledAt));
    expect(await models.users.get(userId)).toMatchObject({
      twoFactorEnabled: true,
      sessionsEndedAt: enabledAt,
    });
    const disabledAt = '2026-01-04T08:00:00.000Z';
    await projector.applyUserEvent(ownEvent('TwoFactorDisabled', 4, disabledAt));
    expect(await models.users.get(userId)).toMatchObject({
      twoFactorEnabled: false,
      sessionsEndedAt: disabledAt,
    });
  });
});

/** `collection` whose `method` waits, once reached, until released: a replica stopped at one step of its work. */
function pausedAt<C extends object>(collection: C, method: keyof C & string) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const atGate = new Promise<void>((resolve) => (reached = resolve));
  const paused = new Proxy(collection, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (property !== method) return value.bind(target);
      return async (...args: unknown[]) => {
        reached();
        await gate;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { paused, atGate, release };
}

describe('a profile change projected while an organization event is being written (two replicas, one store)', () => {
  const orgEvent = (revision: number, type: string, data: Record<string, unknown>) =>
    orgEventAt(revision, type, at, data);
  const catalog = loadPermissionsCatalog({});
  const subjects = new AddressSubjects(Buffer.alloc(32));

  async function member(): Promise<ReadModels> {
    const models = readModelsOf(new InMemoryReadStore());
    const projector = new ReadModelProjector(models, catalog, subjects);
    await projector.applyUserEvent(registered);
    await projector.applyOrganizationEvent(
      orgEvent(0, 'OrganizationCreated', { name: 'Acme', ownerId: 'owner', plan: 'standard' }),
    );
    await projector.applyOrganizationEvent(
      orgEvent(1, 'MemberJoined', { userId, role: 'user', via: 'invitation' }),
    );
    return models;
  }
  const roleChange = orgEvent(2, 'MemberRoleChanged', { userId, from: 'user', to: 'admin' });

  it('reaches the member document when the organization event loaded it before the change', async () => {
    const models = await member();
    // Replica A has loaded the member for a role change and stops before writing, while B projects a new name.
    const a = pausedAt(models.auditEvents, 'upsertIfNewer');
    const replicaA = new ReadModelProjector({ ...models, auditEvents: a.paused }, catalog, subjects);
    const changing = replicaA.applyOrganizationEvent(roleChange);
    await a.atGate;
    await new ReadModelProjector(models, catalog, subjects).applyUserEvent(renamed(1, 'Ada L.'));
    a.release();
    await changing;

    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject({
      role: 'admin',
      name: 'Ada L.',
    });
  });

  it('reaches the member document when the organization event read the profile before the change and writes after it', async () => {
    const models = await member();
    const a = pausedAt(models.members, 'upsertIfNewer');
    const replicaA = new ReadModelProjector({ ...models, members: a.paused }, catalog, subjects);
    const changing = replicaA.applyOrganizationEvent(roleChange);
    await a.atGate;
    await new ReadModelProjector(models, catalog, subjects).applyUserEvent(renamed(1, 'Ada L.'));
    a.release();
    await changing;

    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject({
      role: 'admin',
      name: 'Ada L.',
    });
  });

  it('erases the member document when the organization event read the profile before the user’s deletion and writes after it', async () => {
    const models = await member();
    const a = pausedAt(models.members, 'upsertIfNewer');
    const replicaA = new ReadModelProjector({ ...models, members: a.paused }, catalog, subjects);
    const changing = replicaA.applyOrganizationEvent(roleChange);
    await a.atGate;
    await new ReadModelProjector(models, catalog, subjects).applyUserEvent({
      type: 'UserDeleted',
      userId,
      revision: 1,
      at,
      data: { userId, at },
    });
    a.release();
    await changing;

    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject({
      role: 'admin',
      name: 'erased user user-1',
      email: 'erased-user-1@erased.invalid',
      profileRevision: 1,
    });
  });

  it('reaches the member document of someone who joins as their account is first projected', async () => {
    const models = readModelsOf(new InMemoryReadStore());
    const replicaB = new ReadModelProjector(models, catalog, subjects);
    await replicaB.applyOrganizationEvent(
      orgEvent(0, 'OrganizationCreated', { name: 'Acme', ownerId: 'owner', plan: 'standard' }),
    );
    // A finds no user document yet and stops before writing the member; B projects the registration.
    const a = pausedAt(models.members, 'upsertIfNewer');
    const replicaA = new ReadModelProjector({ ...models, members: a.paused }, catalog, subjects);
    const joining = replicaA.applyOrganizationEvent(
      orgEvent(1, 'MemberJoined', { userId, role: 'user', via: 'invitation' }),
    );
    await a.atGate;
    await replicaB.applyUserEvent(registered);
    a.release();
    await joining;

    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject({
      name: 'Ada',
      email: 'ada@example.com',
    });
  });

  it('reaches the member document of someone who joins while their registration is being projected', async () => {
    const models = readModelsOf(new InMemoryReadStore());
    await new ReadModelProjector(models, catalog, subjects).applyOrganizationEvent(
      orgEvent(0, 'OrganizationCreated', { name: 'Acme', ownerId: 'owner', plan: 'standard' }),
    );
    // B has set the (not yet written) member and stops before writing the user; A writes the member and finds no
    // user document after it either; then B goes on.
    const a = pausedAt(models.members, 'upsertIfNewer');
    const replicaA = new ReadModelProjector({ ...models, members: a.paused }, catalog, subjects);
    const b = pausedAt(models.users, 'upsertIfNewer');
    const replicaB = new ReadModelProjector({ ...models, users: b.paused }, catalog, subjects);
    const joining = replicaA.applyOrganizationEvent(
      orgEvent(1, 'MemberJoined', { userId, role: 'user', via: 'invitation' }),
    );
    await a.atGate;
    const registering = replicaB.applyUserEvent(registered);
    await b.atGate;
    a.release();
    await joining;
    b.release();
    await registering;

    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject({
      name: 'Ada',
      email: 'ada@example.com',
    });
  });

  it('reaches the member document when the organization event writes it in the middle of the change', async () => {
    const models = await member();
    // A has read the name and stops before writing the member; B has set the new name on the members and stops
    // before writing the user; A writes the member with the name it read; B goes on.
    const a = pausedAt(models.members, 'upsertIfNewer');
    const replicaA = new ReadModelProjector({ ...models, members: a.paused }, catalog, subjects);
    const b = pausedAt(models.users, 'upsertIfNewer');
    const replicaB = new ReadModelProjector({ ...models, users: b.paused }, catalog, subjects);
    const changing = replicaA.applyOrganizationEvent(roleChange);
    await a.atGate;
    const renaming = replicaB.applyUserEvent(renamed(1, 'Ada L.'));
    await b.atGate;
    a.release();
    await changing;
    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject({ name: 'Ada' });
    b.release();
    await renaming;

    expect(await models.members.get(orgScoped(orgId, userId))).toMatchObject({
      role: 'admin',
      name: 'Ada L.',
    });
  });
});

describe('the names a user has had (R21)', () => {
  it('are kept with when each was taken; the name at an instant is the latest taken by then', async () => {
    const { models, projector } = emptyModels();
    await projector.applyUserEvent(registered);
    const renamedAt = (revision: number, name: string, when: string): UserEvent => ({
      ...renamed(revision, name),
      at: when,
      data: { userId, actorId: userId, at: when, name },
    });
    await projector.applyUserEvent(renamedAt(1, 'Ada L.', '2026-02-01T00:00:00.000Z'));
    await projector.applyUserEvent(renamedAt(2, 'Ada L.', '2026-02-15T00:00:00.000Z')); // the same name again
    await projector.applyUserEvent(renamedAt(3, 'Ada Lovelace', '2026-03-01T00:00:00.000Z'));
    const user = (await models.users.get(userId))!;
    expect(user.names).toEqual([
      { name: 'Ada', from: at },
      { name: 'Ada L.', from: '2026-02-01T00:00:00.000Z' },
      { name: 'Ada Lovelace', from: '2026-03-01T00:00:00.000Z' },
    ]);
    expect(nameAt(user, '2025-12-31T00:00:00.000Z')).toBe('Ada');
    expect(nameAt(user, at)).toBe('Ada');
    expect(nameAt(user, '2026-02-20T00:00:00.000Z')).toBe('Ada L.');
    expect(nameAt(user, '2026-03-01T00:00:00.000Z')).toBe('Ada Lovelace');
    expect(nameAt({ ...user, names: undefined }, at)).toBe('Ada Lovelace');
  });
});

describe('an erased user’s address in organization events projected after the deletion', () => {
  const deletedAt = '2026-01-05T00:00:00.000Z';
  const day = (n: number) => new Date(Date.parse(deletedAt) + n * 86_400_000).toISOString();
  const orgEvent = orgEventAt;
  const invited = (revision: number, when: string, invitationId: string) =>
    orgEvent(revision, 'InvitationCreated', when, {
      invitationId,
      email: 'ada@example.com',
      role: 'user',
      teamIds: [],
      permissions: [],
      expiresAt: day(30),
    });
  const auditData = async (models: ReadModels, revision: number) =>
    (await models.auditEvents.find({ where: { orgId } }, { limit: 100 })).items.find(
      (a) => a.revision === revision,
    )?.data;

  it('are erased as the deletion erased the copies there were then; a copy made after it is the address’s next holder’s', async () => {
    const { models, projector } = emptyModels();
    await projector.applyUserEvent(registered);
    // The organization's topic is behind: the deletion is projected before the invitation made days earlier.
    await projector.applyUserEvent({
      type: 'UserDeleted',
      userId,
      revision: 1,
      at: deletedAt,
      data: { userId },
    });
    await projector.applyOrganizationEvent(
      orgEvent(0, 'OrganizationCreated', day(-3), { name: 'Acme', ownerId: 'owner', plan: 'standard' }),
    );
    await projector.applyOrganizationEvent(invited(1, day(-2), 'inv-1'));
    await projector.applyOrganizationEvent(
      orgEvent(2, 'InvitationSent', day(-1), { invitationId: 'inv-1', sendSequence: 1 }),
    );

    const erased = `erased-${new AddressSubjects(Buffer.alloc(32)).of('email', 'ada@example.com')}@erased.invalid`;
    expect((await models.invitations.get(orgScoped(orgId, 'inv-1')))?.email).toBe(erased);
    expect((await auditData(models, 1))?.email).toBe(erased);
    expect(await models.organizations.get(orgId)).toMatchObject({ revision: 2 });

    // Someone registered the address again and was invited after the deletion: theirs is kept.
    await projector.applyOrganizationEvent(invited(3, day(1), 'inv-2'));
    expect((await models.invitations.get(orgScoped(orgId, 'inv-2')))?.email).toBe('ada@example.com');
    expect((await auditData(models, 3))?.email).toBe('ada@example.com');
  });

  it('a copy made after the deletion but projected before it (the users’ topic behind) is the next holder’s and is kept', async () => {
    const { models, projector } = emptyModels();
    await projector.applyUserEvent(registered);
    await projector.applyOrganizationEvent(
      orgEvent(0, 'OrganizationCreated', day(-3), { name: 'Acme', ownerId: 'owner', plan: 'standard' }),
    );
    await projector.applyOrganizationEvent(invited(1, day(-2), 'inv-1'));
    await projector.applyOrganizationEvent(invited(2, day(1), 'inv-2'));
    await projector.applyUserEvent({
      type: 'UserDeleted',
      userId,
      revision: 1,
      at: deletedAt,
      data: { userId },
    });

    expect((await models.invitations.get(orgScoped(orgId, 'inv-1')))?.email).toMatch(/^erased-addr-/);
    expect((await models.invitations.get(orgScoped(orgId, 'inv-2')))?.email).toBe('ada@example.com');
    expect((await auditData(models, 1))?.email).toMatch(/^erased-addr-/);
    expect((await auditData(models, 2))?.email).toBe('ada@example.com');
  });

  it('a copy projected before the deletion is erased by it (the record of the erasure changes nothing there)', async () => {
    const { models, projector } = emptyModels();
    await projector.applyUserEvent(registered);
    await projector.applyOrganizationEvent(
      orgEvent(0, 'OrganizationCreated', day(-3), { name: 'Acme', ownerId: 'owner', plan: 'standard' }),
    );
    await projector.applyOrganizationEvent(invited(1, day(-2), 'inv-1'));
    expect((await models.invitations.get(orgScoped(orgId, 'inv-1')))?.email).toBe('ada@example.com');
    await projector.applyUserEvent({
      type: 'UserDeleted',
      userId,
      revision: 1,
      at: deletedAt,
      data: { userId },
    });
    expect((await models.invitations.get(orgScoped(orgId, 'inv-1')))?.email).toMatch(
      /^erased-addr-.*@erased\.invalid$/,
    );
    expect((await auditData(models, 1))?.email).toMatch(/^erased-addr-.*@erased\.invalid$/);
  });
});

describe('an event after revisions the event store no longer holds (a stream truncated or deleted)', () => {
  it('is projected onto the state before them, and the gap is reported for an operator', async () => {
    const models = readModelsOf(new InMemoryReadStore());
    const gaps: UnfilledGap[] = [];
    // The history answers all the asked revisions or none (aggregate-history.ts): here, none are left.
    const projector = new ReadModelProjector(
      models,
      loadPermissionsCatalog({}),
      new AddressSubjects(Buffer.alloc(32)),
      { read: async () => [] },
      (gap) => gaps.push(gap),
    );
    await projector.applyOrganizationEvent(
      orgEventAt(0, 'OrganizationCreated', at, { name: 'Acme', ownerId: 'owner', plan: 'standard' }),
    );
    expect(gaps).toEqual([]);

    await projector.applyOrganizationEvent(orgEventAt(3, 'SettingsUpdated', at, { name: 'Acme Ltd' }));

    expect(gaps).toEqual([{ kind: 'organization', id: orgId, from: 1, to: 2 }]);
    expect(await models.organizations.get(orgId)).toMatchObject({ revision: 3, name: 'Acme Ltd' });
  });
});
