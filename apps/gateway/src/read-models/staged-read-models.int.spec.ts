import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { InMemoryReadStore, MongoReadStore, type ReadStore } from '@app/read-store';
import { loadPermissionsCatalog } from '@app/permissions';
import { AddressSubjects } from '@app/personal-data';
import { infraEnv } from '@app/testing';
import { COLLECTIONS, type MemberDoc } from './documents';
import { organizationEventOf } from './organization-events.testing';
import { ReadModelProjector } from './projector';
import { readModelsOf, type ReadModels } from './read-models';
import { directTarget, StagedReadModels } from './staged-read-models';

const stores: [string, () => Promise<ReadStore>][] = [['in-memory', async () => new InMemoryReadStore()]];
if (infraEnv.mongoUrl) {
  const url = infraEnv.mongoUrl;
  stores.push(['mongodb', () => MongoReadStore.connect(url, `staged_${randomUUID().slice(0, 8)}`)]);
}

type Step =
  | { kind: 'upsert'; userId: string; revision: number; role: 'admin' | 'user' }
  | { kind: 'delete'; userId: string; revision: number }
  | { kind: 'rename'; userId: string; name: string }
  | { kind: 'flush' };

const userIds = ['u1', 'u2'];
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('upsert' as const),
    userId: fc.constantFrom(...userIds),
    revision: fc.integer({ min: 1, max: 12 }),
    role: fc.constantFrom('admin' as const, 'user' as const),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    userId: fc.constantFrom(...userIds),
    revision: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({
    kind: fc.constant('rename' as const),
    userId: fc.constantFrom(...userIds),
    name: fc.constantFrom('Ada', 'Bea', 'Cy'),
  }),
  fc.constant({ kind: 'flush' as const }),
);

const memberDoc = (orgId: string, userId: string, revision: number, role: 'admin' | 'user'): MemberDoc =>
  ({
    _id: `${orgId}/${userId}`,
    revision,
    orgId,
    userId,
    role,
    granted: [],
    permissions: [],
    teamIds: [],
    managedTeamIds: [],
    schedulable: false,
    joinedAt: '2026-01-01T00:00:00.000Z',
    name: 'Initial',
  }) as unknown as MemberDoc;

async function apply(
  models: ReadModels,
  orgId: string,
  steps: readonly Step[],
  target: { writeBehind(): Promise<void>; flush(): Promise<void> },
) {
  for (const s of steps) {
    if (s.kind === 'upsert')
      await models.members.upsertIfNewer(memberDoc(orgId, s.userId, s.revision, s.role));
    else if (s.kind === 'delete') await models.members.deleteIfNewer(`${orgId}/${s.userId}`, s.revision);
    else if (s.kind === 'rename')
      await models.members.updateMany({ where: { userId: s.userId } }, { name: s.name });
    else await target.writeBehind();
  }
  await target.flush();
}

async function membersOf(models: ReadModels, orgId: string): Promise<unknown[]> {
  return (await models.members.find({ where: { orgId } }, { limit: 100 })).items.map((m) => ({ ...m }));
}

describe.each(stores)('staged read models over %s', (_name, open) => {
  let store: ReadStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    if (store instanceof MongoReadStore) await store.connection.dropDatabase();
    await store.close();
  });

  it('written behind at any points, leave the store exactly as writing every change straight into it does', async () => {
    const target = readModelsOf(store);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const direct = readModelsOf(new InMemoryReadStore());
        const stagedOrg = `org-${randomUUID()}`;
        await apply(direct, stagedOrg, steps, directTarget(direct));
        const staged = new StagedReadModels(target);
        await apply(staged.models, stagedOrg, steps, staged);
        expect(await membersOf(target, stagedOrg)).toEqual(await membersOf(direct, stagedOrg));
      }),
      { numRuns: infraEnv.mongoUrl ? 25 : 100 },
    );
  });

  it('holds back writes until a flush, then writes each changed document once', async () => {
    const target = readModelsOf(store);
    const orgId = `org-${randomUUID()}`;
    const staged = new StagedReadModels(target);
    for (let revision = 1; revision <= 5; revision++)
      await staged.models.members.upsertIfNewer(memberDoc(orgId, 'u1', revision, 'user'));
    await staged.models.auditEvents.upsertIfNewer({
      _id: `${orgId}/e1`,
      revision: 1,
      orgId,
    } as never);
    expect(staged.pending).toBe(2);
    expect(await target.members.get(`${orgId}/u1`)).toBeNull();
    expect(await staged.models.members.get(`${orgId}/u1`)).toMatchObject({ revision: 5 });
    await staged.flush();
    expect(staged.pending).toBe(0);
    expect(await target.members.get(`${orgId}/u1`)).toMatchObject({ revision: 5 });
    expect(await store.collection(COLLECTIONS.auditEvents).get(`${orgId}/e1`)).toMatchObject({ revision: 1 });
    // the audit trail is not kept in memory once flushed: the projector never reads it back
    expect(await staged.models.auditEvents.get(`${orgId}/e1`)).toBeNull();
  });

  // The audit list is write-only while staged (nothing of it is kept to read back), so erasing by reading it found
  // nothing: a rebuild kept the addresses the live models had erased.
  it.each([
    ['written behind before the erasure', true],
    ['still held when erased', false],
  ])(
    'an erasure projected while staged leaves no erased address in the audit list: %s',
    async (_case, writtenBefore) => {
      const target = readModelsOf(store);
      const staged = new StagedReadModels(target);
      const projector = new ReadModelProjector(
        staged.models,
        loadPermissionsCatalog({}),
        new AddressSubjects(Buffer.alloc(32)),
      );
      const orgId = `org-${randomUUID()}`;
      const userId = `user-${randomUUID()}`;
      const [at, later] = ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'];
      const orgEvent = (revision: number, type: string, data: Record<string, unknown>, when = at) =>
        organizationEventOf(orgId, revision, type, when, data);
      const invited = (revision: number, invitationId: string, email: string) =>
        orgEvent(revision, 'InvitationCreated', {
          invitationId,
          email,
          role: 'user',
          teamIds: [],
          permissions: [],
          expiresAt: '2026-02-01T00:00:00.000Z',
        });
      await projector.applyUserEvent({
        type: 'UserRegistered',
        userId,
        revision: 0,
        at,
        data: { userId, actorId: userId, at, name: 'Ada', email: 'ada@example.com' },
      });
      await projector.applyOrganizationEvent(
        orgEvent(0, 'OrganizationCreated', { name: 'Acme', ownerId: 'owner', plan: 'standard' }),
      );
      await projector.applyOrganizationEvent(invited(1, 'i1', 'ada@example.com'));
      await projector.applyOrganizationEvent(invited(2, 'i2', 'carol@example.com'));
      if (writtenBefore) await staged.writeBehind();
      await projector.applyUserEvent({
        type: 'UserDeleted',
        userId,
        revision: 1,
        at: later,
        data: { userId },
      });
      await projector.applyOrganizationEvent(
        orgEvent(3, 'InviteeErased', { invitationIds: ['i2'], erasedKeys: ['addr-k1'] }, later),
      );
      await staged.flush();

      const audit = (await target.auditEvents.find({ where: { orgId } }, { limit: 100 })).items;
      expect(audit.map((event) => event.revision).sort()).toEqual([0, 1, 2, 3]);
      expect(JSON.stringify(audit)).not.toMatch(/ada@example\.com|carol@example\.com/);
      for (const revision of [1, 2])
        expect(audit.find((event) => event.revision === revision)!.data).toMatchObject({
          email: expect.stringMatching(/^erased-.*@erased\.invalid$/),
          role: 'user',
        });
    },
  );
});
