import fc from 'fast-check';
import { DomainError, fold } from '@app/domain';
import {
  defaultCatalog,
  effectivePermissions,
  extendCatalog,
  missingPrerequisites,
  rankOf,
  roleMayHold,
  type PermissionsCatalog,
} from '@app/permissions';
import { viewFor, actorOf, ALLOWED_WITHOUT_TWO_FACTOR } from './decide/guards';
import { SYSTEM_ACTOR, type OrganizationCommand } from './organization.commands';
import { organizationDecider } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import { fromOrganizationSnapshot, toOrganizationSnapshot } from './organization.snapshot';
import { billableSeats, type ActiveOrganization, type OrganizationState } from './organization.state';
import { base as members, given, team as teamCreated } from './organization.fixtures.testing';

const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'] as const;
const teams = ['t0', 't1', 't2'] as const;
const invitations = ['i0', 'i1', 'i2'] as const;
const emails = ['e0@example.com', 'e1@example.com', 'e2@example.com'] as const;
const at = '2026-11-22T10:00:00.000Z';
const times = [at, '2026-11-25T10:00:00.000Z', '2026-12-05T10:00:00.000Z'] as const;
const expiresAt = '2026-11-29T10:00:00.000Z';

/** Operators extend the catalog: permissions that require Owner-only or Admin-only ones, and chains. */
const extended = extendCatalog(defaultCatalog, {
  'environments.read': { admin: true },
  'environments.admin': { requires: ['environments.read'], admin: true },
  'billing.export': { requires: ['org.billing'], minimumRole: 'admin' },
  'vault.open': { requires: ['org.delete'] },
});

const user = fc.constantFrom(...users);
/** Targets lean towards the members most sequences admit early. */
const target = fc.oneof(
  { arbitrary: fc.constantFrom('u1', 'u2'), weight: 3 },
  { arbitrary: user, weight: 1 },
);
/** Actors lean towards the Owner (u0) and the first members, so that sequences reach deep states. */
const actor = fc.oneof(
  { arbitrary: fc.constant('u0'), weight: 3 },
  { arbitrary: fc.constantFrom('u1', 'u2'), weight: 3 },
  { arbitrary: user, weight: 2 },
);
const team = fc.constantFrom(...teams);
const invitation = fc.constantFrom(...invitations);
const role = fc.constantFrom('admin' as const, 'user' as const);
/** Random subsets, and more often the sets that make sense together (a permission with its prerequisites). */
const permissionsOf = (catalog: PermissionsCatalog): fc.Arbitrary<string[]> =>
  fc.oneof(
    fc.subarray([...catalog.permissions.keys()], { minLength: 0, maxLength: 3 }),
    fc
      .constantFrom(
        ['members.read', 'members.invite'],
        ['members.read', 'members.remove'],
        ['members.read', 'teams.manage', 'teams.create'],
        ['org.update', 'org.billing'],
        ['org.billing'],
        ['members.read', 'customers.manage'],
        ...(catalog.permissions.has('billing.export')
          ? [
              ['org.update', 'org.billing', 'billing.export'],
              ['environments.read', 'environments.admin'],
              ['vault.open'],
            ]
          : []),
      )
      .map((p): string[] => [...p]),
  );
const time = fc.constantFrom(...times);
/** Each invitation id is mostly for its own person, sometimes reused for another (R5, invitation ids). */
const emailOf = (invitationId: string) =>
  emails[invitations.indexOf(invitationId as (typeof invitations)[number])]!;

/** Sequences of commands, with an invitation and its acceptance by a new person as one frequent step. */
function sequencesFor(catalog: PermissionsCatalog): fc.Arbitrary<OrganizationCommand[]> {
  const invitedAndAccepted = fc
    .record({
      invitationId: invitation,
      newcomer: fc.constantFrom('n0', 'n1', 'n2'),
      role,
      permissions: permissionsOf(catalog),
      actorId: actor,
      actorTwoFactor: fc.boolean(),
    })
    .map(({ invitationId, newcomer, role, permissions, actorId, actorTwoFactor }): OrganizationCommand[] => [
      {
        type: 'InviteMember',
        invitationId,
        email: emailOf(invitationId),
        role,
        teamIds: [],
        permissions,
        send: true,
        expiresAt,
        actorId,
        at,
        actorTwoFactor,
      },
      {
        type: 'AcceptInvitation',
        invitationId,
        sendSequence: 1,
        userId: newcomer,
        email: emailOf(invitationId),
        actorId: newcomer,
        at,
      },
    ]);
  const step = fc.oneof(
    { weight: 6, arbitrary: commandsFor(catalog).map((c) => [c]) },
    { weight: 1, arbitrary: invitedAndAccepted },
  );
  return fc.array(step, { minLength: 5, maxLength: 30, size: 'max' }).map((steps) => steps.flat());
}

function commandsFor(catalog: PermissionsCatalog): fc.Arbitrary<OrganizationCommand> {
  const permissions = permissionsOf(catalog);
  const base = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        type: fc.constant('AdmitMember' as const),
        userId: target,
        role,
        via: fc.constant('invitation' as const),
        actorId: fc.constant(SYSTEM_ACTOR),
        at: time,
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        type: fc.constant('ChangeMemberRole' as const),
        userId: target,
        role,
        actorId: actor,
        at: time,
      }),
    },
    fc.record({
      type: fc.constant('TransferOwnership' as const),
      newOwnerId: target,
      actorId: actor,
      at: time,
    }),
    {
      weight: 8,
      arbitrary: fc.record({
        type: fc.constant('GrantPermissions' as const),
        userId: target,
        permissions: permissions.filter((p) => p.length > 0),
        actorId: actor,
        at: time,
      }),
    },
    fc.record({
      type: fc.constant('RevokePermissions' as const),
      userId: target,
      permissions: permissions.filter((p) => p.length > 0),
      actorId: actor,
      at: time,
    }),
    fc.record({
      type: fc.constant('SetSchedulable' as const),
      userId: target,
      schedulable: fc.boolean(),
      actorId: actor,
      at: time,
    }),
    fc.record({ type: fc.constant('RemoveMember' as const), userId: target, actorId: actor, at: time }),
    fc.record({ type: fc.constant('LeaveOrganization' as const), actorId: actor, at: time }),
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant('CreateTeam' as const),
        teamId: team,
        name: team,
        actorId: actor,
        at: time,
      }),
    },
    fc.record({ type: fc.constant('DeleteTeam' as const), teamId: team, actorId: actor, at: time }),
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant('AddTeamMember' as const),
        teamId: team,
        userId: target,
        role: fc.constantFrom('manager' as const, 'member' as const),
        actorId: actor,
        at: time,
      }),
    },
    fc.record({
      type: fc.constant('RemoveTeamMember' as const),
      teamId: team,
      userId: target,
      actorId: actor,
      at: time,
    }),
    fc.record({ type: fc.constant('DeleteOrganization' as const), actorId: actor, at: time }),
    fc.record({
      type: fc.constant('RemoveDeletedUser' as const),
      userId: target,
      ownedOrganizationsConfirmed: fc.boolean(),
      actorId: fc.constant(SYSTEM_ACTOR),
      at: time,
    }),
    fc.record({
      type: fc.constant('UpdateSettings' as const),
      requireTwoFactor: fc.boolean(),
      actorId: actor,
      at: time,
    }),
    fc.record({
      type: fc.constant('AttachToParent' as const),
      parentOrgId: fc.constantFrom('parent', 'other'),
      actorId: actor,
      at: time,
    }),
    fc.record({
      type: fc.constant('DetachFromParent' as const),
      parentOrgId: fc.constant('parent'),
      actorId: actor,
      at: time,
    }),
    // Invitations, and imports (which are InviteMember per row with a fresh or repeated id).
    {
      weight: 8,
      arbitrary: fc
        .record({
          type: fc.constant('InviteMember' as const),
          invitationId: invitation,
          otherEmail: fc.option(fc.constantFrom(...emails), { freq: 4 }),
          role,
          teamIds: fc.subarray([...teams], { maxLength: 1 }),
          permissions,
          send: fc.boolean(),
          expiresAt: fc.constant(expiresAt),
          actorId: actor,
          at: time,
        })
        .map(({ otherEmail, ...c }) => ({ ...c, email: otherEmail ?? emailOf(c.invitationId) })),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant('ChangeInvitation' as const),
        invitationId: invitation,
        role,
        teamIds: fc.constant<string[]>([]),
        permissions,
        actorId: actor,
        at: time,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant('SendInvitation' as const),
        invitationId: invitation,
        expiresAt: fc.constant(expiresAt),
        actorId: actor,
        at: time,
      }),
    },
    fc.record({
      type: fc.constant('RevokeInvitation' as const),
      invitationId: invitation,
      actorId: actor,
      at: time,
    }),
    fc.record({
      type: fc.constant('ExpireInvitation' as const),
      invitationId: invitation,
      actorId: fc.constant(SYSTEM_ACTOR),
      at: time,
    }),
    {
      weight: 8,
      arbitrary: fc
        .record({
          invitationId: invitation,
          sendSequence: fc.integer({ min: 0, max: 2 }),
          userId: fc.constantFrom(...users, 'n0', 'n1'),
          otherEmail: fc.option(fc.constantFrom(...emails), { freq: 4 }),
          at: time,
        })
        .map(({ otherEmail, ...c }) => ({
          ...c,
          type: 'AcceptInvitation' as const,
          email: otherEmail ?? emailOf(c.invitationId),
          actorId: c.userId,
        })),
    },
  );
  // R22 and R19 ride on any command: whether the actor has a second factor, and whether they act through a parent.
  return fc
    .tuple(base, fc.boolean(), fc.constantFrom(undefined, 'parent', 'other'))
    .map(([c, actorTwoFactor, via]): OrganizationCommand => ({
      ...c,
      ...(actorTwoFactor ? { actorTwoFactor } : {}),
      ...(via ? { actorActsAsAdminVia: via } : {}),
    }));
}

/** Plain, comparable form of the state (Maps and Sets as sorted entries). */
function plain(state: OrganizationState): unknown {
  return JSON.parse(JSON.stringify(toOrganizationSnapshot(state)));
}

function assertInvariants(
  catalog: PermissionsCatalog,
  state: OrganizationState,
  events: readonly OrganizationEvent[],
): void {
  if (state.status !== 'active') return;
  // R1/R2: exactly one Owner, and it is the recorded owner.
  const owners = [...state.members.values()].filter((m) => m.role === 'owner');
  expect(owners.map((o) => o.userId)).toEqual([state.ownerId]);
  // R12: team members are organization members.
  for (const t of state.teams.values())
    for (const userId of t.members.keys()) expect(state.members.has(userId)).toBe(true);
  // R20 in every state: every grant is one the member's role may hold, with its prerequisites held.
  for (const m of state.members.values()) {
    const held = effectivePermissions(catalog, m.role, m.granted);
    for (const p of m.granted) {
      expect(roleMayHold(catalog, m.role, p)).toBe(true);
      expect(missingPrerequisites(catalog, p, held)).toEqual([]);
    }
  }
  // R15: the seat count recorded by SeatsChanged events equals the active schedulable members.
  expect(state.seats).toBe(billableSeats(state));
  // The contact person, when there is one, is a member.
  if (state.contactPersonId !== undefined) expect(state.members.has(state.contactPersonId)).toBe(true);
  // R5: at most one pending invitation per person.
  const pending = [...state.invitations.values()]
    .filter((i) => i.status === 'pending')
    .map((i) => i.email ?? i.phone);
  expect(new Set(pending).size).toBe(pending.length);
  for (const e of events) {
    // R3: nobody changed their own role; nobody granted themself a permission.
    if (e.type === 'MemberRoleChanged') expect(e.data.actorId).not.toBe(e.data.userId);
    if (e.type === 'PermissionsGranted') expect(e.data.actorId).not.toBe(e.data.userId);
  }
}

/** Delegation: what a decided command gives is within what its actor held just before (in the view it acted in). */
function assertWithinActorsRights(
  catalog: PermissionsCatalog,
  command: OrganizationCommand,
  before: OrganizationState,
  events: readonly OrganizationEvent[],
): void {
  if (before.status !== 'active' || command.actorId === SYSTEM_ACTOR) return;
  const actor = actorOf(viewFor(before, command), command.actorId);
  for (const e of events) {
    const given =
      (e.type === 'PermissionsGranted' && command.type === 'GrantPermissions') ||
      e.type === 'InvitationCreated' ||
      e.type === 'InvitationChanged'
        ? e.data.permissions
        : [];
    const role = e.type === 'InvitationCreated' || e.type === 'InvitationChanged' ? e.data.role : undefined;
    if (given.length === 0 && role === undefined) continue;
    expect(actor).toBeDefined();
    const held = effectivePermissions(catalog, actor!.role, actor!.granted);
    if (role !== undefined) expect(rankOf(role)).toBeLessThanOrEqual(rankOf(actor!.role));
    for (const p of given) {
      expect(held.has(p)).toBe(true);
      expect(rankOf(actor!.role)).toBeGreaterThanOrEqual(rankOf('admin'));
    }
  }
  // An invitation id, once used, is never used again for something else.
  if (command.type === 'InviteMember' && events.length > 0)
    expect(before.invitations.has(command.invitationId)).toBe(false);
}

function run(catalog: PermissionsCatalog, commands: readonly OrganizationCommand[]): void {
  const decider = organizationDecider(catalog);
  const history: OrganizationEvent[] = [];
  let state: OrganizationState = decider.initialState();
  const create: OrganizationCommand = {
    type: 'CreateOrganization',
    orgId: 'org',
    name: 'Org',
    actorId: 'u0',
    at,
  };
  for (const c of [create, ...commands]) {
    const before = plain(state);
    const twoFactorGate =
      state.status === 'active' &&
      state.requireTwoFactor &&
      c.actorId !== SYSTEM_ACTOR &&
      !c.actorTwoFactor &&
      !ALLOWED_WITHOUT_TWO_FACTOR.has(c.type);
    let events: readonly OrganizationEvent[] = [];
    try {
      events = decider.decide(c, state);
      // R22: nobody without a second factor changes an organization that requires one.
      expect(twoFactorGate && events.length > 0).toBe(false);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      expect(plain(state)).toEqual(before); // a refusal produces no events and changes nothing
      continue;
    }
    expect(plain(state)).toEqual(before); // decide never mutates
    assertWithinActorsRights(catalog, c, state, events);
    // R21: time never runs backwards within the stream.
    for (const e of events)
      if (history.length > 0)
        expect(Date.parse(e.data.at)).toBeGreaterThanOrEqual(Date.parse(history.at(-1)!.data.at));
    for (const e of events) state = decider.evolve(state, e);
    history.push(...events);
    assertInvariants(catalog, state, history);
  }
  expect(plain(fold(decider, history))).toEqual(plain(state));
  // Snapshots round-trip through JSON to the same state.
  expect(plain(fromOrganizationSnapshot(plain(state)))).toEqual(plain(state));
}

describe('organization invariants hold in every reachable state (property-based)', () => {
  it('R1 R2 R3 R5 R12 R15 R19 R20 R21 R22 and delegation bounds: over 1,000 random sequences with the default catalog', () => {
    fc.assert(
      fc.property(sequencesFor(defaultCatalog), (commands) => run(defaultCatalog, commands)),
      {
        numRuns: 1_000,
      },
    );
  });

  it('R20 with an operator-extended catalog: no grant outlives its prerequisites or its role, over 500 sequences', () => {
    fc.assert(
      fc.property(sequencesFor(extended), (commands) => run(extended, commands)),
      {
        numRuns: 500,
      },
    );
  });

  it('the acting view is only ever for the actual parent', () => {
    const state = organizationDecider().evolve(organizationDecider().initialState(), {
      type: 'OrganizationCreated',
      data: { orgId: 'o', actorId: 'u0', at, name: 'O', ownerId: 'u0', plan: 'standard' },
    }) as ActiveOrganization;
    expect(
      viewFor(state, { type: 'LeaveOrganization', actorId: 'x', at, actorActsAsAdminVia: 'parent' }),
    ).toBe(state);
  });
});

describe('string fields are data (fuzz)', () => {
  const prototypeKeys = [
    'toString',
    'constructor',
    '__proto__',
    'hasOwnProperty',
    'valueOf',
    '__defineGetter__',
  ];
  it('fuzz: every string field of every command is refused or decided, never a crash', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom(...prototypeKeys, '', ' ', 'ada', 'owner', 't1', 'i'));
    const history = [...members, teamCreated('t1')];
    const command = fc.oneof(
      fc.record({
        type: fc.constant('GrantPermissions' as const),
        userId: text,
        permissions: fc.array(text, { maxLength: 3 }),
      }),
      fc.record({
        type: fc.constant('RevokePermissions' as const),
        userId: text,
        permissions: fc.array(text, { maxLength: 3 }),
      }),
      fc.record({
        type: fc.constant('ChangeMemberRole' as const),
        userId: text,
        role: fc.constantFrom('admin' as const, 'user' as const),
      }),
      fc.record({ type: fc.constant('CreateTeam' as const), teamId: text, name: text }),
      fc.record({ type: fc.constant('RenameTeam' as const), teamId: text, name: text }),
      fc.record({
        type: fc.constant('AddTeamMember' as const),
        teamId: text,
        userId: text,
        role: fc.constantFrom('manager' as const, 'member' as const),
      }),
      fc.record({
        type: fc.constant('InviteMember' as const),
        invitationId: text,
        email: text,
        role: fc.constantFrom('admin' as const, 'user' as const),
        teamIds: fc.array(text, { maxLength: 2 }),
        permissions: fc.array(text, { maxLength: 2 }),
        send: fc.boolean(),
        expiresAt: fc.constant('2026-12-01T00:00:00.000Z'),
      }),
      fc.record({
        type: fc.constant('AcceptInvitation' as const),
        invitationId: text,
        sendSequence: fc.nat(),
        userId: text,
        email: text,
      }),
      fc.record({ type: fc.constant('ClaimDomain' as const), domain: text }),
      fc.record({ type: fc.constant('SetContactPerson' as const), userId: text }),
      fc.record({ type: fc.constant('TransferOwnership' as const), newOwnerId: text }),
      fc.record({ type: fc.constant('LinkChildOrganization' as const), childOrgId: text }),
      fc.record({ type: fc.constant('RequestPasswordReset' as const), userId: text }),
      fc.record({ type: fc.constant('CreateOrganization' as const), orgId: text, name: text, plan: text }),
    );
    fc.assert(
      fc.property(command, fc.constantFrom('owner', 'admin', 'ada', '__proto__'), (c, actorId) => {
        const outcome = given(history).when({
          ...c,
          actorId,
          at: '2026-11-22T10:00:00.000Z',
        } as OrganizationCommand).outcome;
        if ('refusal' in outcome) expect(outcome.refusal.code).toMatch(/^[a-z][a-z-]*[a-z]$/);
        else for (const event of outcome.events) expect(typeof event.type).toBe('string');
      }),
      { numRuns: 2_000 },
    );
  });
});
