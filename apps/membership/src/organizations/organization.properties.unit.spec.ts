import fc from 'fast-check';
import { DomainError, fold } from '@app/domain';
import { organizationDecider, type OrganizationCommand } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import { fromOrganizationSnapshot, toOrganizationSnapshot } from './organization.snapshot';
import { billableSeats, type OrganizationState } from './organization.state';
import { defaultCatalog, effectivePermissions, missingPrerequisites } from './permissions-catalog';

const decider = organizationDecider();
const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'] as const;
const teams = ['t0', 't1', 't2'] as const;
const permissions = Object.keys(defaultCatalog.requires);
const at = '2026-11-22T10:00:00.000Z';

const user = fc.constantFrom(...users);
const team = fc.constantFrom(...teams);
const baseCommand: fc.Arbitrary<OrganizationCommand> = fc.oneof(
  fc.record({
    type: fc.constant('AdmitMember' as const),
    userId: user,
    role: fc.constantFrom('admin' as const, 'user' as const),
    via: fc.constant('invitation' as const),
    actorId: fc.constant('system'),
    at: fc.constant(at),
  }),
  fc.record({
    type: fc.constant('ChangeMemberRole' as const),
    userId: user,
    role: fc.constantFrom('admin' as const, 'user' as const),
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({
    type: fc.constant('TransferOwnership' as const),
    newOwnerId: user,
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({
    type: fc.constant('GrantPermissions' as const),
    userId: user,
    permissions: fc.subarray(permissions, { minLength: 1, maxLength: 3 }),
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({
    type: fc.constant('RevokePermissions' as const),
    userId: user,
    permissions: fc.subarray(permissions, { minLength: 1, maxLength: 3 }),
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({
    type: fc.constant('SetSchedulable' as const),
    userId: user,
    schedulable: fc.boolean(),
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({ type: fc.constant('RemoveMember' as const), userId: user, actorId: user, at: fc.constant(at) }),
  fc.record({ type: fc.constant('LeaveOrganization' as const), actorId: user, at: fc.constant(at) }),
  fc.record({
    type: fc.constant('CreateTeam' as const),
    teamId: team,
    name: team,
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({ type: fc.constant('DeleteTeam' as const), teamId: team, actorId: user, at: fc.constant(at) }),
  fc.record({
    type: fc.constant('AddTeamMember' as const),
    teamId: team,
    userId: user,
    role: fc.constantFrom('manager' as const, 'member' as const),
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({
    type: fc.constant('RemoveTeamMember' as const),
    teamId: team,
    userId: user,
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({ type: fc.constant('DeleteOrganization' as const), actorId: user, at: fc.constant(at) }),
  fc.record({
    type: fc.constant('RemoveDeletedUser' as const),
    userId: user,
    ownedOrganizationsConfirmed: fc.boolean(),
    actorId: fc.constant('system'),
    at: fc.constant(at),
  }),
  fc.record({
    type: fc.constant('UpdateSettings' as const),
    requireTwoFactor: fc.boolean(),
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({
    type: fc.constant('AttachToParent' as const),
    parentOrgId: fc.constantFrom('parent', 'other'),
    actorId: user,
    at: fc.constant(at),
  }),
  fc.record({
    type: fc.constant('DetachFromParent' as const),
    parentOrgId: fc.constant('parent'),
    actorId: user,
    at: fc.constant(at),
  }),
);

/** R22 and R19 ride on any command: whether the actor has a second factor, and whether they act through a parent. */
const command: fc.Arbitrary<OrganizationCommand> = fc
  .tuple(baseCommand, fc.boolean(), fc.constantFrom(undefined, 'parent', 'other'))
  .map(([c, actorTwoFactor, via]) => ({
    ...c,
    ...(actorTwoFactor ? { actorTwoFactor } : {}),
    ...(via ? { actorActsAsAdminVia: via } : {}),
  }));

const ALLOWED_WITHOUT_TWO_FACTOR = new Set(['LeaveOrganization', 'AcceptInvitation', 'AdmitMember']);

/** Plain, comparable form of the state (Maps and Sets as sorted entries). */
function snapshot(state: OrganizationState): unknown {
  if (state.status === 'none') return state;
  return {
    ...state,
    members: [...state.members.values()]
      .map((m) => ({ ...m, granted: [...m.granted].sort() }))
      .sort((a, b) => a.userId.localeCompare(b.userId)),
    teams: [...state.teams.values()]
      .map((t) => ({ ...t, members: [...t.members].sort() }))
      .sort((a, b) => a.teamId.localeCompare(b.teamId)),
  };
}

function assertInvariants(state: OrganizationState, events: readonly OrganizationEvent[]): void {
  if (state.status !== 'active') return;
  // R1/R2: exactly one Owner, and it is the recorded owner.
  const owners = [...state.members.values()].filter((m) => m.role === 'owner');
  expect(owners.map((o) => o.userId)).toEqual([state.ownerId]);
  // R12: team members are organization members.
  for (const t of state.teams.values())
    for (const userId of t.members.keys()) expect(state.members.has(userId)).toBe(true);
  // R20: no grant without its prerequisites.
  for (const m of state.members.values()) {
    const held = effectivePermissions(defaultCatalog, m.role, m.granted);
    for (const p of m.granted) expect(missingPrerequisites(defaultCatalog, p, held)).toEqual([]);
  }
  // R15: the seat count recorded by SeatsChanged events equals the active schedulable members.
  expect(state.seats).toBe(billableSeats(state));
  // The contact person, when there is one, is a member.
  if (state.contactPersonId !== undefined) expect(state.members.has(state.contactPersonId)).toBe(true);
  // R3: nobody changed their own role.
  for (const e of events) if (e.type === 'MemberRoleChanged') expect(e.data.actorId).not.toBe(e.data.userId);
}

describe('organization invariants hold in every reachable state (property-based)', () => {
  it('R1 R2 R3 R12 R15 R19 R20 R22: over 1,000 random command sequences; replay and snapshots give the same state; refusals change nothing', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) => {
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
          const before = snapshot(state);
          const twoFactorGate =
            state.status === 'active' &&
            state.requireTwoFactor &&
            c.actorId !== 'system' &&
            !c.actorTwoFactor &&
            !ALLOWED_WITHOUT_TWO_FACTOR.has(c.type);
          let events: readonly OrganizationEvent[] = [];
          try {
            events = decider.decide(c, state);
            // R22: nobody without a second factor changes an organization that requires one.
            expect(twoFactorGate && events.length > 0).toBe(false);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            expect(snapshot(state)).toEqual(before); // a refusal produces no events and changes nothing
            continue;
          }
          expect(snapshot(state)).toEqual(before); // decide never mutates
          for (const e of events) state = decider.evolve(state, e);
          history.push(...events);
          assertInvariants(state, history);
        }
        expect(snapshot(fold(decider, history))).toEqual(snapshot(state));
        // Snapshots round-trip through JSON to the same state.
        const stored = JSON.parse(JSON.stringify(toOrganizationSnapshot(state))) as unknown;
        expect(snapshot(fromOrganizationSnapshot(stored))).toEqual(snapshot(state));
      }),
      { numRuns: 1_000 },
    );
  });
});
