import { defaultCatalog } from '@app/permissions';
import { type OrganizationEvent } from '../apps/membership/src/organizations/organization.events';
import { historyRowOf, historyRows, inFilter } from '../scripts/audit/history';
import { type OrganizationRecord } from '../scripts/audit/organization-stream';
import { explainPermission, whenRecorded, type Explanation } from '../scripts/audit/why';

type Step = { type: OrganizationEvent['type']; data: Record<string, unknown>; by: string; command?: string };

/** An organization's stream as the store holds it: each step one event, a minute apart, by `by`. */
function historyOf(orgId: string, steps: Step[]): OrganizationRecord[] {
  return steps.map((step, i) => {
    const at = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
    const data = { orgId, actorId: step.by, at, ...step.data };
    const metadata = {
      actor: step.by,
      correlationId: `corr-${i}`,
      causationId: `cause-${i}`,
      commandId: step.command ?? `command-${orgId}-${i}`,
      schemaVersion: 1,
    };
    return {
      revision: BigInt(i),
      event: { type: step.type, data } as unknown as OrganizationEvent,
      metadata,
      raw: { type: step.type, data, metadata },
    };
  });
}

const created = (owner: string): Step => ({
  type: 'OrganizationCreated',
  data: { name: 'Org', ownerId: owner, plan: 'standard' },
  by: owner,
});
const joined = (userId: string, role: string): Step => ({
  type: 'MemberJoined',
  data: { userId, role, via: 'invitation' },
  by: userId,
});
const linked = (parentOrgId: string, by: string): Step => ({
  type: 'ParentOrganizationLinked',
  data: { parentOrgId },
  by,
});

const childLinked = (childOrgId: string, by: string): Step => ({
  type: 'ChildOrganizationLinked',
  data: { childOrgId },
  by,
});

/** `why` over a set of organizations, R19 one level up as the CLI runs it. */
function whyIn(orgs: Record<string, OrganizationRecord[]>) {
  const explain = (
    orgId: string,
    userId: string,
    permission: string,
    throughParent = true,
    listingChild?: string,
  ): Promise<Explanation> =>
    explainPermission({
      history: orgs[orgId]!,
      userId,
      permission,
      catalog: defaultCatalog,
      ...(listingChild ? { listingChild } : {}),
      ...(throughParent
        ? {
            parent: (parent: string, child: string) =>
              explain(parent, userId, 'customers.manage', false, child),
          }
        : {}),
    });
  return explain;
}

describe('audit why (R19, R5, R21)', () => {
  it('R19: a User member of the child acts as an Admin through the parent, where they hold customers.manage', async () => {
    const why = whyIn({
      parent: historyOf('parent', [created('pat'), joined('uma', 'admin'), childLinked('child', 'pat')]),
      child: historyOf('child', [created('carl'), linked('parent', 'carl'), joined('uma', 'user')]),
    });
    const answer = await why('child', 'uma', 'members.invite');
    expect(answer).toMatchObject({ held: true, via: 'parent' });
    expect(answer.chain.map((r) => r.change)).toEqual(['ParentOrganizationLinked', 'MemberJoined']);
    expect(answer.chain[1]!.says).toBe(
      'joined via invitation as admin; role admin holds customers.manage by default',
    );
    // What an Admin does not hold, the parent does not give.
    expect(await why('child', 'uma', 'org.delete')).toMatchObject({
      held: false,
      why: expect.stringContaining('Admins do not hold org.delete'),
    });
  });

  it('R19 goes one level up: an Admin of the grandparent is no Admin in the grandchild', async () => {
    const why = whyIn({
      grand: historyOf('grand', [created('gina'), joined('uma', 'admin'), childLinked('parent', 'gina')]),
      parent: historyOf('parent', [created('pat'), linked('grand', 'pat'), childLinked('child', 'pat')]),
      child: historyOf('child', [created('carl'), linked('parent', 'carl')]),
    });
    expect(await why('parent', 'uma', 'members.invite')).toMatchObject({ held: true, via: 'parent' });
    expect(await why('child', 'uma', 'members.invite')).toMatchObject({
      held: false,
      why: 'not a member, and not a member holding customers.manage in the parent parent',
      chain: [],
    });
  });

  it('R19: a link only the child records (half made, or half undone) gives the parent’s people nothing', async () => {
    const child = historyOf('child', [created('carl'), linked('parent', 'carl'), joined('uma', 'user')]);
    const unlinked: Step = { type: 'ChildOrganizationUnlinked', data: { childOrgId: 'child' }, by: 'pat' };
    for (const parent of [
      [created('pat'), joined('uma', 'admin')],
      [created('pat'), joined('uma', 'admin'), childLinked('child', 'pat'), unlinked],
    ]) {
      const why = whyIn({ parent: historyOf('parent', parent), child });
      expect(await why('child', 'uma', 'members.invite')).toEqual({
        held: false,
        why:
          'role user does not hold it by default and it is not granted, and the parent parent does not list as ' +
          'its child child (a link recorded on one side only gives nothing, R19)',
        chain: [expect.objectContaining({ change: 'MemberJoined' })],
      });
    }
  });

  it('an Owner or Admin of the child is never explained through the parent', async () => {
    const why = whyIn({
      parent: historyOf('parent', [created('pat'), joined('ann', 'admin')]),
      child: historyOf('child', [created('carl'), linked('parent', 'carl'), joined('ann', 'admin')]),
    });
    expect(await why('child', 'ann', 'org.delete')).toMatchObject({
      held: false,
      why: 'role admin does not hold it by default and it is not granted',
    });
  });

  it("R5: grants an invitation carried are the inviter's, and the chain shows the invitation", async () => {
    const history = historyOf('org', [
      created('ada'),
      {
        type: 'InvitationCreated',
        data: {
          invitationId: 'inv-1',
          email: 'bob@x.test',
          role: 'user',
          teamIds: [],
          permissions: ['members.read'],
        },
        by: 'ada',
      },
      {
        type: 'InvitationChanged',
        data: {
          invitationId: 'inv-1',
          role: 'user',
          teamIds: [],
          permissions: ['members.read', 'audit.read'],
        },
        by: 'ann',
      },
      {
        type: 'InvitationAccepted',
        data: { invitationId: 'inv-1', userId: 'bob' },
        by: 'bob',
        command: 'accept',
      },
      { ...joined('bob', 'user'), command: 'accept' },
      {
        type: 'PermissionsGranted',
        data: { userId: 'bob', permissions: ['audit.read', 'members.read'], actorId: 'ann' },
        by: 'bob',
        command: 'accept',
      },
    ]);
    const answer = await whyIn({ org: history })('org', 'bob', 'members.read');
    expect(answer).toMatchObject({ held: true, via: 'member' });
    // Another Admin changed the terms: both show, and the grant is theirs.
    expect(answer.chain.map((r) => [r.change, r.actor])).toEqual([
      ['InvitationCreated', 'ada'],
      ['InvitationChanged', 'ann'],
      ['InvitationAccepted', 'bob'],
      ['MemberJoined', 'bob'],
      ['PermissionsGranted', 'ann'],
    ]);
    expect(answer.chain[1]!.says).toBe('invitation inv-1 changed: as user with members.read audit.read');
    expect(answer.chain[4]!.says).toBe('granted members.read through invitation inv-1');
    expect(historyRowOf(history[5]!)).toMatchObject({
      change: 'PermissionsGranted',
      actor: 'ann',
      user: 'bob',
    });
  });

  it('not held: the chain ends with what took it away, a revocation (and who), or the removal or leaving', async () => {
    const grant = (by: string): Step => ({
      type: 'PermissionsGranted',
      data: { userId: 'bob', permissions: ['members.read'] },
      by,
    });
    const revoke: Step = {
      type: 'PermissionsRevoked',
      data: { userId: 'bob', permissions: ['members.read'] },
      by: 'carl',
    };
    const revoked = await whyIn({
      org: historyOf('org', [created('ada'), joined('bob', 'user'), grant('ada'), revoke]),
    })('org', 'bob', 'members.read');
    expect(revoked).toMatchObject({ held: false });
    expect(revoked.chain.map((r) => [r.change, r.actor, r.says])).toEqual([
      ['MemberJoined', 'bob', 'joined via invitation as user'],
      ['PermissionsRevoked', 'carl', 'revoked members.read'],
    ]);
    // Granted again since: held, and the revocation is no part of why.
    const again = await whyIn({
      org: historyOf('org', [created('ada'), joined('bob', 'user'), grant('ada'), revoke, grant('dee')]),
    })('org', 'bob', 'members.read');
    expect(again.chain.map((r) => [r.change, r.actor])).toEqual([
      ['MemberJoined', 'bob'],
      ['PermissionsGranted', 'dee'],
    ]);
    for (const [type, says] of [
      ['MemberRemoved', 'removed'],
      ['MemberLeft', 'left'],
    ] as const) {
      const gone = await whyIn({
        org: historyOf('org', [
          created('ada'),
          joined('bob', 'user'),
          grant('ada'),
          revoke,
          { type, data: { userId: 'bob' }, by: 'ada' },
        ]),
      })('org', 'bob', 'members.read');
      expect(gone).toMatchObject({ held: false, why: 'not a member' });
      expect(gone.chain.map((r) => [r.change, r.actor, r.says])).toEqual([[type, 'ada', says]]);
    }
  });

  it('role defaults recorded after the instant asked about are the first known, not proof of then', () => {
    const since = '2026-05-01T00:00:00.000Z';
    expect(whenRecorded(since, new Date('2026-01-01T00:00:00.000Z'))).toBe(
      `${since}, the first record; earlier ones are unknown`,
    );
    expect(whenRecorded(since, new Date(since))).toBe(since);
    expect(whenRecorded(since, undefined)).toBe(since);
  });

  it('not held after a demotion: the role change is the cause, not an earlier revocation that took nothing away', async () => {
    const roleChange = (from: string, to: string): Step => ({
      type: 'MemberRoleChanged',
      data: { userId: 'bob', from, to },
      by: 'ada',
    });
    const answer = await whyIn({
      org: historyOf('org', [
        created('ada'),
        joined('bob', 'user'),
        { type: 'PermissionsGranted', data: { userId: 'bob', permissions: ['members.read'] }, by: 'ada' },
        roleChange('user', 'admin'),
        // An Admin holds members.read by default: revoking the grant takes nothing away.
        { type: 'PermissionsRevoked', data: { userId: 'bob', permissions: ['members.read'] }, by: 'carl' },
        roleChange('admin', 'user'),
      ]),
    })('org', 'bob', 'members.read');
    expect(answer).toMatchObject({ held: false });
    expect(answer.chain.map((r) => [r.change, r.says])).toEqual([
      ['MemberJoined', 'joined via invitation as user'],
      ['MemberRoleChanged', 'role admin -> user'],
    ]);
  });

  it('a permission a role holds by default cites when those role defaults were recorded (R21)', async () => {
    const answer = await explainPermission({
      history: historyOf('org', [created('ada')]),
      userId: 'ada',
      permission: 'org.delete',
      catalog: defaultCatalog,
      defaultsRecordedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(answer.chain.at(-1)?.says).toBe(
      'created the organization: Owner; role owner holds org.delete by default (role defaults recorded 2026-01-01T00:00:00.000Z)',
    );
  });

  it("history: a grant taken up with an invitation set through the parent is the giver's, through the parent (R19, R21)", () => {
    const [viaParent, byMember] = historyOf('child', [
      {
        type: 'PermissionsGranted',
        data: { userId: 'vic', permissions: ['members.read'], actorId: 'agent', actingVia: 'parent' },
        by: 'vic',
      },
      {
        type: 'PermissionsGranted',
        data: { userId: 'uma', permissions: ['members.read'], actorId: 'carl' },
        by: 'uma',
      },
    ]);
    expect(historyRowOf(viaParent!)).toMatchObject({ actor: 'agent', actingVia: 'parent', user: 'vic' });
    // The invitee's own request names no parent: nothing of it is taken for the giver's.
    const acceptedViaElsewhere = {
      ...byMember!,
      metadata: { ...byMember!.metadata, actingVia: 'elsewhere' },
    };
    expect(historyRowOf(acceptedViaElsewhere)).toMatchObject({ actor: 'carl', actingVia: '' });
  });

  it('history --user: an ownership transfer is about the Owner who gave it up too', () => {
    const [transfer] = historyOf('org', [
      { type: 'OwnershipTransferred', data: { from: 'ada', to: 'bob' }, by: 'operator' },
    ]);
    const row = historyRowOf(transfer!)!;
    expect(inFilter(row, { user: 'ada' }, transfer)).toBe(true);
    expect(inFilter(row, { user: 'bob' }, transfer)).toBe(true);
    expect(inFilter(row, { user: 'cid' }, transfer)).toBe(false);
  });
});

describe('history --user: changes about more people than the one a row names', () => {
  const teamCreated: Step = { type: 'TeamCreated', data: { teamId: 't1', name: 'Night' }, by: 'ada' };
  const addedToTeam = (userId: string): Step => ({
    type: 'TeamMemberAdded',
    data: { teamId: 't1', userId, role: 'member' },
    by: 'ada',
  });
  const rowsFor = async (user: string, steps: Step[]) => {
    const rows = [];
    for await (const row of historyRows(historyOf('org', steps), { user })) rows.push(row.change);
    return rows;
  };

  it('a deleted team is about each of its members then, and no one else', async () => {
    const steps: Step[] = [
      created('ada'),
      joined('bob', 'user'),
      joined('cid', 'user'),
      teamCreated,
      addedToTeam('bob'),
      { type: 'TeamDeleted', data: { teamId: 't1' }, by: 'ada' },
    ];
    expect(await rowsFor('bob', steps)).toEqual(['MemberJoined', 'TeamMemberAdded', 'TeamDeleted']);
    expect(await rowsFor('cid', steps)).toEqual(['MemberJoined']);
  });

  it('a member who left the team before it was deleted is not concerned by the deletion', async () => {
    const steps: Step[] = [
      created('ada'),
      joined('bob', 'user'),
      teamCreated,
      addedToTeam('bob'),
      { type: 'TeamMemberRemoved', data: { teamId: 't1', userId: 'bob' }, by: 'ada' },
      { type: 'TeamDeleted', data: { teamId: 't1' }, by: 'ada' },
    ];
    expect(await rowsFor('bob', steps)).toEqual(['MemberJoined', 'TeamMemberAdded', 'TeamMemberRemoved']);
  });

  it('a deleted organization is about every member it still had', async () => {
    const steps: Step[] = [
      created('ada'),
      joined('bob', 'user'),
      joined('cid', 'user'),
      { type: 'MemberLeft', data: { userId: 'cid' }, by: 'cid' },
      { type: 'OrganizationDeleted', data: {}, by: 'ada' },
    ];
    expect(await rowsFor('bob', steps)).toEqual(['MemberJoined', 'OrganizationDeleted']);
    expect(await rowsFor('cid', steps)).toEqual(['MemberJoined', 'MemberLeft']);
    expect(await rowsFor('ada', steps)).toContain('OrganizationDeleted');
  });

  it('R10, R21: an organization deleted with its Owner’s account says whose, though the system deleted it', () => {
    const history = historyOf('org', [
      created('ada'),
      {
        type: 'OrganizationDeleted',
        data: { actorId: 'system', reason: 'owner-account-deleted', ownerId: 'ada' },
        by: 'system',
      },
      { type: 'OrganizationDeleted', data: {}, by: 'ada' },
    ]);
    expect(historyRowOf(history[1]!)).toMatchObject({
      actor: 'system',
      user: 'ada',
      detail: 'organization deleted with its Owner’s account (R10)',
    });
    expect(historyRowOf(history[2]!)).toMatchObject({
      actor: 'ada',
      user: '',
      detail: 'organization deleted',
    });
  });
});
