import fc from 'fast-check';
import { DomainError } from '@app/domain';
import { orgScoped } from '../apps/gateway/src/read-models/documents';
import { type UserCommand } from '../apps/identity/src/users/user.commands';
import { userDecider } from '../apps/identity/src/users/user.decider';
import { type UserEvent } from '../apps/identity/src/users/user.events';
import { type OrganizationEvent } from '../apps/membership/src/organizations/organization.events';
import {
  described,
  differences,
  envelopeOf,
  historyOf,
  ORG,
  OrganizationRun,
  projectorInto,
  rosterDifferences,
  type Intent,
} from './read-models-agree.testing';

/**
 * Random histories decided by membership's decider and projected by the gateway: after every step, what the API reads
 * (members, roles, grants and permissions, tags, teams, invitations and their status filters, seats, the organization,
 * the R21 roster) is what was decided. Commands come from the Owner, Admins, Users, outsiders and the parent's
 * customer managers (R19), with time jumps past invitation expiries (R6).
 */
const USERS = ['owner', 'admin', 'ann', 'bob', 'dan', 'eve'];
const TEAMS = ['t1', 't2'];
const INVITATIONS = ['i1', 'i2'];
const PERMISSIONS = [
  'members.read',
  'members.invite',
  'teams.manage',
  'teams.create',
  'org.update',
  'org.billing',
  'audit.read',
  'customers.manage',
  'availability.editOwn',
];
const DAY = 86_400_000;
const emailOf = (userId: string) => `${userId}@acme.com`;
const phoneOf = (userId: string) => `+4420794609${String(USERS.indexOf(userId)).padStart(2, '0')}`;

const user = fc.constantFrom(...USERS);
/** Mostly someone the base history made a member, so that commands on members are recorded, not only refused. */
const target = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('admin', 'ann', 'bob') },
  { weight: 1, arbitrary: user },
);
const actor = fc.oneof({ weight: 10, arbitrary: fc.constant('owner') }, { weight: 3, arbitrary: user });
const team = fc.constantFrom(...TEAMS);
const invitation = fc.constantFrom(...INVITATIONS);
const role = fc.constantFrom('admin' as const, 'user' as const);
/** Any few permissions, or (twice as often) a set a User or an Admin may be granted, prerequisites included (R20). */
const permissions = fc
  .oneof(
    { weight: 1, arbitrary: fc.subarray(PERMISSIONS, { minLength: 1, maxLength: 3 }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        ['members.read'],
        ['members.read', 'members.invite'],
        ['members.read', 'teams.manage', 'teams.create'],
        ['members.read', 'customers.manage'],
        ['org.update'],
        ['availability.editOwn'],
        ['org.billing'],
      ),
    },
  )
  .map((list): string[] => [...list]);
const lifetime = fc.integer({ min: 1, max: 10 }).map((days) => days * DAY);

type Step = { wait: number } | { intent: (run: OrganizationRun) => Intent };
const command = <T>(arbitrary: fc.Arbitrary<T>, intent: (value: T, run: OrganizationRun) => Intent) =>
  arbitrary.map((value): Step => ({ intent: (run) => intent(value, run) }));

const members = [
  command(fc.tuple(user, role), ([userId, role]) => ({
    type: 'AdmitMember',
    actorId: 'system',
    userId,
    role,
    via: 'invitation',
  })),
  command(fc.tuple(actor, target, role), ([actorId, userId, role]) => ({
    type: 'ChangeMemberRole',
    actorId,
    userId,
    role,
  })),
  command(target, (newOwnerId, run) => ({
    type: 'TransferOwnership',
    actorId: run.state.status === 'active' ? run.state.ownerId : 'owner',
    newOwnerId,
  })),
  command(fc.tuple(actor, target, permissions), ([actorId, userId, permissions]) => ({
    type: 'GrantPermissions',
    actorId,
    userId,
    permissions,
  })),
  // Half the time, of a member who holds grants, all of them: so that revocations are recorded, not only refused.
  command(fc.tuple(actor, target, permissions, fc.boolean()), ([actorId, userId, permissions, held], run) => {
    const holders =
      run.state.status === 'active' ? [...run.state.members.values()].filter((m) => m.granted.size) : [];
    const holder = held ? holders[0] : undefined;
    return holder
      ? { type: 'RevokePermissions', actorId, userId: holder.userId, permissions: [...holder.granted] }
      : { type: 'RevokePermissions', actorId, userId, permissions };
  }),
  command(fc.tuple(actor, target, fc.boolean()), ([actorId, userId, schedulable]) => ({
    type: 'SetSchedulable',
    actorId,
    userId,
    schedulable,
  })),
  command(fc.tuple(actor, target, fc.boolean()), ([actorId, userId, available]) => ({
    type: 'SetAvailability',
    actorId,
    userId,
    available,
    weekly: [{ day: 1, from: '09:00', to: '12:00' }],
  })),
  command(fc.tuple(actor, target), ([actorId, userId]) => ({ type: 'RemoveMember', actorId, userId })),
  command(target, (actorId) => ({ type: 'LeaveOrganization', actorId })),
  command(fc.tuple(target, fc.boolean()), ([userId, ownedOrganizationsConfirmed]) => ({
    type: 'RemoveDeletedUser',
    actorId: 'system',
    userId,
    ownedOrganizationsConfirmed,
  })),
  command(fc.tuple(actor, target), ([actorId, userId]) => ({ type: 'SetContactPerson', actorId, userId })),
  // Verified just now, as identity's reaction would say (before the step's own second passes).
  command(user, (userId, run) => ({
    type: 'AutoJoinMember',
    actorId: 'system',
    userId,
    email: emailOf(userId),
    verifiedAt: run.now(),
  })),
];

const teams = [
  command(fc.tuple(actor, team, fc.constantFrom('Sales', 'Ops')), ([actorId, teamId, name]) => ({
    type: 'CreateTeam',
    actorId,
    teamId,
    name: `${name} ${teamId}`,
  })),
  command(fc.tuple(actor, team, fc.constantFrom('North', 'South')), ([actorId, teamId, name]) => ({
    type: 'RenameTeam',
    actorId,
    teamId,
    name: `${name} ${teamId}`,
  })),
  command(fc.tuple(actor, team), ([actorId, teamId]) => ({ type: 'DeleteTeam', actorId, teamId })),
  command(
    fc.tuple(actor, team, target, fc.constantFrom('manager' as const, 'member' as const)),
    ([actorId, teamId, userId, role]) => ({ type: 'AddTeamMember', actorId, teamId, userId, role }),
  ),
  command(fc.tuple(actor, team, target), ([actorId, teamId, userId]) => ({
    type: 'RemoveTeamMember',
    actorId,
    teamId,
    userId,
  })),
];

const invitations = [
  command(fc.constant(null), () => ({ type: 'RecheckInvitations', actorId: 'system' })),
  command(
    fc.record({
      actorId: actor,
      invitationId: invitation,
      invitee: fc.constantFrom('dan', 'eve', 'ann'),
      byPhone: fc.boolean(),
      role,
      teamIds: fc.subarray(TEAMS),
      permissions: fc.subarray(PERMISSIONS, { maxLength: 2 }),
      send: fc.boolean(),
      lifetime,
    }),
    ({ invitee, byPhone, lifetime, ...terms }, run) => ({
      type: 'InviteMember',
      ...terms,
      ...(byPhone ? { phone: phoneOf(invitee) } : { email: emailOf(invitee) }),
      expiresAt: new Date(Date.parse(run.now()) + lifetime).toISOString(),
    }),
  ),
  command(fc.tuple(actor, invitation, role), ([actorId, invitationId, role]) => ({
    type: 'ChangeInvitation',
    actorId,
    invitationId,
    role,
  })),
  command(fc.tuple(actor, invitation, lifetime), ([actorId, invitationId, lifetime], run) => ({
    type: 'SendInvitation',
    actorId,
    invitationId,
    expiresAt: new Date(Date.parse(run.now()) + lifetime).toISOString(),
  })),
  command(fc.tuple(actor, invitation), ([actorId, invitationId]) => ({
    type: 'RevokeInvitation',
    actorId,
    invitationId,
  })),
  command(invitation, (invitationId) => ({
    type: 'EraseInvitee',
    actorId: 'operator',
    actorIsOperator: true,
    invitationIds: [invitationId],
    addressKey: `key-${invitationId}`,
  })),
  // The invitee the invitation names accepts it, with its current link.
  command(invitation, (invitationId, run) => {
    const invited = run.state.status === 'active' ? run.state.invitations.get(invitationId) : undefined;
    const invitee = invited?.email?.split('@')[0] ?? USERS[Number(invited?.phone?.slice(-2) ?? 4)] ?? 'eve';
    return {
      type: 'AcceptInvitation',
      actorId: invitee,
      userId: invitee,
      invitationId,
      sendSequence: invited?.sendSequence ?? 1,
      ...(invited?.phone ? { phone: invited.phone } : { email: emailOf(invitee) }),
    };
  }),
  command(invitation, (invitationId) => ({ type: 'ExpireInvitation', actorId: 'system', invitationId })),
];

const organization = [
  command(
    fc.tuple(actor, fc.boolean(), fc.boolean(), fc.constantFrom('Acme', 'Acme Ltd')),
    ([actorId, autoJoin, membersMayEditOwnAvailability, name]) => ({
      type: 'UpdateSettings',
      actorId,
      autoJoin,
      membersMayEditOwnAvailability,
      name,
    }),
  ),
  command(actor, (actorId) => ({
    type: 'ClaimDomain',
    actorId,
    domain: 'acme.com',
    actorVerifiedEmail: emailOf(actorId),
  })),
  command(actor, (actorId) => ({ type: 'ReleaseDomain', actorId, domain: 'acme.com' })),
  command(fc.tuple(actor, fc.constantFrom('k1', 'k1', 'k2')), ([actorId, childOrgId]) => ({
    type: 'LinkChildOrganization',
    actorId,
    childOrgId,
  })),
  command(fc.tuple(actor, fc.constantFrom('k1', 'k1', 'k1', 'k2')), ([actorId, childOrgId]) => ({
    type: 'UnlinkChildOrganization',
    actorId,
    childOrgId,
  })),
  command(fc.tuple(actor, fc.constantFrom('p1', 'p2')), ([actorId, parentOrgId]) => ({
    type: 'AttachToParent',
    actorId,
    parentOrgId,
  })),
  command(fc.tuple(actor, fc.constantFrom('p1', 'p2')), ([actorId, parentOrgId]) => ({
    type: 'DetachFromParent',
    actorId,
    parentOrgId,
  })),
];

const wait = fc.constantFrom(0, 1, 999, 60_000, DAY, 9 * DAY).map((ms): Step => ({ wait: ms }));

/** R19: some commands come through the parent p1, from a customer manager `partner` or someone the test names. */
const step: fc.Arbitrary<Step> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.oneof(...members) },
      { weight: 4, arbitrary: fc.oneof(...teams) },
      { weight: 3, arbitrary: invitations[1]! },
      { weight: 5, arbitrary: fc.oneof(...invitations) },
      { weight: 3, arbitrary: fc.oneof(...organization) },
      { weight: 3, arbitrary: wait },
    ),
    fc.constantFrom('member', 'member', 'member', 'member', 'via parent', 'partner via parent'),
    fc.subarray(['partner', 'admin', 'owner']),
  )
  .map(([step, through, givers]): Step => {
    if ('wait' in step || through === 'member') return step;
    return {
      intent: (run) => {
        const intent = step.intent(run);
        const fromOutside =
          through === 'partner via parent' && !['system', 'operator'].includes(intent.actorId);
        return {
          ...intent,
          ...(fromOutside ? { actorId: 'partner' } : {}),
          actorActsAsAdminVia: 'p1',
          giversActingViaParent: { parentOrgId: 'p1', userIds: givers },
        };
      },
    };
  });

const EVENT_TYPES = Object.keys({
  AvailabilityChanged: 0,
  ChildOrganizationLinked: 0,
  ChildOrganizationUnlinked: 0,
  ContactPersonChanged: 0,
  DomainClaimed: 0,
  DomainReleased: 0,
  InvitationAccepted: 0,
  InvitationChanged: 0,
  InvitationCreated: 0,
  InvitationExpired: 0,
  InvitationRevoked: 0,
  InvitationSent: 0,
  InviteeErased: 0,
  MemberJoined: 0,
  MemberLeft: 0,
  MemberRemoved: 0,
  MemberRoleChanged: 0,
  OrganizationCreated: 0,
  OrganizationDeleted: 0,
  OwnershipTransferred: 0,
  ParentOrganizationLinked: 0,
  ParentOrganizationUnlinked: 0,
  PasswordResetRequested: 0,
  PermissionsGranted: 0,
  PermissionsRevoked: 0,
  SchedulableChanged: 0,
  SeatsChanged: 0,
  SettingsUpdated: 0,
  TeamCreated: 0,
  TeamDeleted: 0,
  TeamMemberAdded: 0,
  TeamMemberRemoved: 0,
  TeamRenamed: 0,
} satisfies Record<OrganizationEvent['type'], 0>).sort();

/** Deleting the organization ends a history (R10): anything after it is refused, and projects nothing. */
const history: fc.Arbitrary<Step[]> = fc
  .tuple(fc.array(step, { minLength: 5, maxLength: 60 }), fc.boolean())
  .map(([steps, deleted]) =>
    deleted
      ? [...steps, { intent: (): Intent => ({ type: 'DeleteOrganization', actorId: 'owner' }) }]
      : steps,
  );

const BASE: Intent[] = [
  { type: 'CreateOrganization', actorId: 'owner', orgId: ORG, name: 'Acme' },
  { type: 'AdmitMember', actorId: 'system', userId: 'admin', role: 'admin', via: 'invitation' },
  { type: 'AdmitMember', actorId: 'system', userId: 'ann', role: 'user', via: 'invitation' },
  { type: 'AdmitMember', actorId: 'system', userId: 'bob', role: 'user', via: 'invitation' },
  { type: 'CreateTeam', actorId: 'owner', teamId: 't1', name: 'One' },
  { type: 'CreateTeam', actorId: 'owner', teamId: 't2', name: 'Two' },
  { type: 'AttachToParent', actorId: 'owner', parentOrgId: 'p1' },
  // Rarely reached at random: every history has them once.
  {
    type: 'GrantPermissions',
    actorId: 'owner',
    userId: 'ann',
    permissions: ['members.read', 'members.invite'],
  },
  { type: 'RevokePermissions', actorId: 'owner', userId: 'ann', permissions: ['members.invite'] },
  { type: 'LinkChildOrganization', actorId: 'owner', childOrgId: 'k2' },
  { type: 'UnlinkChildOrganization', actorId: 'owner', childOrgId: 'k2' },
];

function take(run: OrganizationRun, s: Step): void {
  if ('wait' in s) run.wait(s.wait);
  else run.run(s.intent(run));
}

function fail(found: readonly string[], run: OrganizationRun): void {
  if (found.length > 0) throw new Error(`${found.join('\n')}\nafter:\n${described(run)}`);
}

describe('the read models show what membership decided (R1-R22)', () => {
  it('after every step, in order, and the R21 roster at every instant an event was recorded and just before it', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(history, async (steps) => {
        const run = new OrganizationRun();
        const { models, projector } = projectorInto();
        let projected = 0;
        const projectAndCompare = async () => {
          const envelopes = run.envelopes();
          for (; projected < envelopes.length; projected++) await projector.apply(envelopes[projected]!);
          fail(await differences(run.state, models, run.now()), run);
        };
        for (const intent of BASE) {
          run.run(intent);
          await projectAndCompare();
        }
        for (const s of steps) {
          take(run, s);
          await projectAndCompare();
        }
        for (const r of run.recorded) seen.add(r.event.type);
        const instants = new Set(run.recorded.map((r) => r.event.data.at));
        for (const at of instants)
          for (const instant of [at, new Date(Date.parse(at) - 1).toISOString()])
            fail(await rosterDifferences(run, models, instant), run);
      }),
      { numRuns: 400 },
    );
    // The histories reach every event the read models take (a password reset request changes nothing they show).
    expect([...seen].sort()).toEqual(EVENT_TYPES.filter((type) => type !== 'PasswordResetRequested'));
  });

  it('R21: a history whose times go backwards (recorded before the decider kept them in order) gives the roster membership folds, at every instant', async () => {
    await fc.assert(
      fc.asyncProperty(
        history,
        fc.array(fc.integer({ min: -4_000, max: 0 }), { minLength: 1, maxLength: 30 }),
        async (steps, shifts) => {
          const run = new OrganizationRun();
          for (const intent of BASE) run.run(intent);
          for (const s of steps) take(run, s);
          // Steps are a second apart: shifted back up to 4 s, an event is stamped before some events before it.
          for (const [i, r] of run.recorded.entries()) {
            const data = r.event.data as { at: string };
            data.at = new Date(Date.parse(data.at) + shifts[i % shifts.length]!).toISOString();
          }
          const { models, projector } = projectorInto();
          for (const envelope of run.envelopes()) await projector.apply(envelope);
          const instants = new Set(run.recorded.map((r) => r.event.data.at));
          for (const at of instants)
            for (const instant of [at, new Date(Date.parse(at) - 1).toISOString()])
              fail(await rosterDifferences(run, models, instant), run);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('delivered out of order and again (at-least-once), gaps filled from the store: the same in the end', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.array(fc.nat(), { maxLength: 200 }), async (steps, again) => {
        const run = new OrganizationRun();
        for (const intent of BASE) run.run(intent);
        for (const s of steps) take(run, s);
        const envelopes = run.envelopes();
        const { models, projector } = projectorInto(historyOf(envelopes));
        const deliveries = [...envelopes];
        for (const k of again)
          deliveries.splice(k % (deliveries.length + 1), 0, envelopes[k % envelopes.length]!);
        for (const envelope of deliveries) await projector.apply(envelope);
        fail(await differences(run.state, models, run.now()), run);
      }),
      { numRuns: 150 },
    );
  });
});

describe("the users read model shows what identity decided, and members carry the user's name and address", () => {
  type Intent = { type: string } & Record<string, unknown>;
  const userId = 'ann';
  const intents: fc.Arbitrary<Intent> = fc.oneof(
    fc.constantFrom('Ann', 'Bea', ' Cid ').map((name) => ({ type: 'UpdateProfile', name })),
    fc
      .constantFrom('+442079460958', '+442079460959', null)
      .map((phone) => ({ type: 'UpdateProfile', phone })),
    fc.constantFrom('de', 'en', 'de-AT').map((locale) => ({ type: 'UpdateProfile', locale })),
    fc.constantFrom('x@a.com', 'y@a.com').map((email) => ({ type: 'ChangeEmail', email })),
    fc.constantFrom('x@a.com', 'y@a.com', 'ann@a.com').map((email) => ({ type: 'VerifyEmail', email })),
    fc.constantFrom<Intent>(
      { type: 'ChangePassword', reason: 'change' },
      { type: 'EnableTwoFactor' },
      { type: 'DisableTwoFactor' },
      { type: 'LockUser', reason: 'abuse' },
      { type: 'UnlockUser' },
    ),
  );

  it('in any order with the organization stream, delivered again', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(intents, { maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        async (steps, order) => {
          let state = userDecider.initialState();
          const events: UserEvent[] = [];
          let clock = Date.parse('2026-01-01T00:00:00.000Z');
          for (const intent of [{ type: 'RegisterUser', name: 'Zed', email: 'ann@a.com' }, ...steps]) {
            clock += 1000;
            const at = new Date(clock).toISOString();
            try {
              const decided = userDecider.decide(
                { ...intent, userId, actorId: userId, at } as UserCommand,
                state,
              );
              for (const event of decided) {
                state = userDecider.evolve(state, event);
                events.push(structuredClone(event));
              }
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
            }
          }
          const userEnvelopes = events.map((event, revision) =>
            envelopeOf('identity', userId, revision, event, userId),
          );
          const run = new OrganizationRun();
          run.run({ type: 'CreateOrganization', actorId: 'owner', orgId: ORG, name: 'Acme' });
          run.run({ type: 'AdmitMember', actorId: 'system', userId, role: 'user', via: 'invitation' });
          const organizationEnvelopes = run.envelopes();
          const { models, projector } = projectorInto({
            read: (kind, _id, from, to) =>
              Promise.resolve((kind === 'user' ? userEnvelopes : organizationEnvelopes).slice(from, to + 1)),
          });
          const all = [...userEnvelopes, ...organizationEnvelopes];
          const shuffled = all
            .map((envelope, i) => ({ envelope, key: order[i % Math.max(1, order.length)] ?? i }))
            .sort((a, b) => a.key - b.key)
            .map(({ envelope }) => envelope);
          for (const envelope of [...shuffled, ...all]) await projector.apply(envelope);
          if (state.status !== 'active') throw new Error(`the user is ${state.status}`);
          const doc = await models.users.get(userId);
          const shown = (of: typeof state | NonNullable<typeof doc>) => ({
            name: of.name,
            email: of.email,
            phone: of.phone ?? null,
            locale: of.locale ?? null,
            emailVerified: of.emailVerified,
            twoFactorEnabled: of.twoFactorEnabled,
            locked: of.locked,
            sessionsEndedAt: of.sessionsEndedAt ?? null,
          });
          expect(doc && shown(doc)).toEqual(shown(state));
          const member = await models.members.get(orgScoped(ORG, userId));
          expect({ name: member?.name, email: member?.email }).toEqual({
            name: state.name,
            email: state.email,
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
