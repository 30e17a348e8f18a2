import { DomainError, fold } from '@app/domain';
import { organizationDecider, type OrganizationCommand } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import { type ActiveOrganization } from './organization.state';
import { fromOrganizationSnapshot, toOrganizationSnapshot } from './organization.snapshot';

const decider = organizationDecider();
const at = '2026-11-22T10:00:00.000Z';
const stamp = (actorId: string) => ({ orgId: 'child', actorId, at });
const child: OrganizationEvent[] = [
  {
    type: 'OrganizationCreated',
    data: { ...stamp('owner'), name: 'Branch', ownerId: 'owner', plan: 'standard' },
  },
  { type: 'MemberJoined', data: { ...stamp('system'), userId: 'ada', role: 'user', via: 'invitation' } },
];
const linked: OrganizationEvent[] = [
  ...child,
  { type: 'ParentOrganizationLinked', data: { ...stamp('owner'), parentOrgId: 'partner' } },
];
const twoFactorRequired: OrganizationEvent[] = [
  ...child,
  {
    type: 'SettingsUpdated',
    data: {
      ...stamp('owner'),
      name: 'Branch',
      autoJoin: true,
      membersMayEditOwnAvailability: true,
      requireTwoFactor: true,
    },
  },
];

function run(history: OrganizationEvent[], command: OrganizationCommand) {
  try {
    return {
      events: [...decider.decide(command, fold(decider, history))],
      code: undefined as string | undefined,
    };
  } catch (error) {
    if (error instanceof DomainError) return { events: [] as OrganizationEvent[], code: error.code };
    throw error;
  }
}

describe('parent and child organizations (R19)', () => {
  const invite = (actorId: string, via?: string): OrganizationCommand => ({
    type: 'InviteMember',
    invitationId: 'inv-1',
    email: 'new@example.com',
    role: 'user',
    teamIds: [],
    permissions: [],
    send: false,
    expiresAt: '2026-12-01T00:00:00.000Z',
    actorId,
    at,
    ...(via ? { actorActsAsAdminVia: via } : {}),
  });

  it('R19: a parent member with customers.manage acts as Admin in the child', () => {
    expect(run(linked, invite('partner-admin')).code).toBe('not-a-member');
    expect(run(linked, invite('partner-admin', 'partner')).events.map((e) => e.type)).toEqual([
      'InvitationCreated',
    ]);
    expect(
      run(linked, {
        type: 'ChangeMemberRole',
        userId: 'ada',
        role: 'admin',
        actorId: 'partner-admin',
        at,
        actorActsAsAdminVia: 'partner',
      }).events,
    ).toHaveLength(1);
  });

  it('R19: acting as Admin never makes them Owner, and only through the actual parent', () => {
    expect(
      run(linked, {
        type: 'DeleteOrganization',
        actorId: 'partner-admin',
        at,
        actorActsAsAdminVia: 'partner',
      }).code,
    ).toBe('owner-only');
    expect(
      run(linked, {
        type: 'TransferOwnership',
        newOwnerId: 'ada',
        actorId: 'partner-admin',
        at,
        actorActsAsAdminVia: 'partner',
      }).code,
    ).toBe('owner-only');
    expect(run(linked, invite('partner-admin', 'some-other-org')).code).toBe('not-a-member');
    expect(run(child, invite('partner-admin', 'partner')).code).toBe('not-a-member');
  });

  it('R19: a child has one parent; an organization is not its own parent or child', () => {
    const attach = (parentOrgId: string): OrganizationCommand => ({
      type: 'AttachToParent',
      parentOrgId,
      actorId: 'owner',
      at,
    });
    expect(run(child, attach('partner')).events).toEqual([
      { type: 'ParentOrganizationLinked', data: { ...stamp('owner'), parentOrgId: 'partner' } },
    ]);
    expect(run(linked, attach('partner')).events).toEqual([]);
    expect(run(linked, attach('chain')).code).toBe('organization-already-linked');
    expect(run(child, attach('child')).code).toBe('organization-link-cycle');
    expect(
      run(child, { type: 'LinkChildOrganization', childOrgId: 'child', actorId: 'owner', at }).code,
    ).toBe('organization-link-cycle');
    expect(run(child, { type: 'AttachToParent', parentOrgId: 'partner', actorId: 'ada', at }).code).toBe(
      'insufficient-role',
    );
  });

  it('R19: links survive a snapshot round trip and can be undone', () => {
    const parent: OrganizationEvent[] = [
      {
        type: 'OrganizationCreated',
        data: { orgId: 'partner', actorId: 'p', at, name: 'Partner', ownerId: 'p', plan: 'standard' },
      },
      { type: 'ChildOrganizationLinked', data: { orgId: 'partner', actorId: 'p', at, childOrgId: 'child' } },
    ];
    const restored = fromOrganizationSnapshot(
      JSON.parse(JSON.stringify(toOrganizationSnapshot(fold(decider, parent)))),
    ) as ActiveOrganization;
    expect([...restored.childOrgIds]).toEqual(['child']);
    expect(
      decider.decide({ type: 'UnlinkChildOrganization', childOrgId: 'child', actorId: 'p', at }, restored),
    ).toEqual([
      {
        type: 'ChildOrganizationUnlinked',
        data: { orgId: 'partner', actorId: 'p', at, childOrgId: 'child' },
      },
    ]);
    const childRestored = fromOrganizationSnapshot(
      JSON.parse(JSON.stringify(toOrganizationSnapshot(fold(decider, linked)))),
    ) as ActiveOrganization;
    expect(childRestored.parentOrgId).toBe('partner');
  });
});

describe('required two-factor authentication (R22)', () => {
  const grant = (actorTwoFactor?: boolean): OrganizationCommand => ({
    type: 'SetSchedulable',
    userId: 'ada',
    schedulable: true,
    actorId: 'owner',
    at,
    ...(actorTwoFactor === undefined ? {} : { actorTwoFactor }),
  });

  it('R22: members act only with a second factor once the organization requires it', () => {
    expect(run(child, grant()).code).toBeUndefined();
    expect(run(twoFactorRequired, grant()).code).toBe('two-factor-required');
    expect(run(twoFactorRequired, grant(false)).code).toBe('two-factor-required');
    expect(run(twoFactorRequired, grant(true)).events.map((e) => e.type)).toEqual([
      'SchedulableChanged',
      'SeatsChanged',
    ]);
  });

  it('R22: leaving and the system’s reactions need no second factor', () => {
    expect(
      run(twoFactorRequired, { type: 'LeaveOrganization', actorId: 'ada', at }).events.map((e) => e.type),
    ).toEqual(['MemberLeft']);
    expect(
      run(twoFactorRequired, {
        type: 'RemoveDeletedUser',
        userId: 'ada',
        ownedOrganizationsConfirmed: false,
        actorId: 'system',
        at,
      }).events,
    ).toHaveLength(1);
  });

  it('R22: auto-joined users of such an organization are asked to enroll', () => {
    const withDomain: OrganizationEvent[] = [
      ...twoFactorRequired,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'branch.example' } },
    ];
    const [joined] = run(withDomain, {
      type: 'AutoJoinMember',
      userId: 'new',
      email: 'new@branch.example',
      actorId: 'system',
      at,
    }).events;
    expect(joined).toMatchObject({
      type: 'MemberJoined',
      data: { via: 'auto-join', twoFactorEnrollmentRequired: true },
    });
  });
});

describe('admin-triggered password reset (R17)', () => {
  it('R17: Owner and Admins request a reset for a member; others cannot', () => {
    expect(run(child, { type: 'RequestPasswordReset', userId: 'ada', actorId: 'owner', at }).events).toEqual([
      { type: 'PasswordResetRequested', data: { ...stamp('owner'), userId: 'ada' } },
    ]);
    expect(run(child, { type: 'RequestPasswordReset', userId: 'owner', actorId: 'ada', at }).code).toBe(
      'insufficient-role',
    );
    expect(run(child, { type: 'RequestPasswordReset', userId: 'stranger', actorId: 'owner', at }).code).toBe(
      'not-a-member',
    );
  });
});
