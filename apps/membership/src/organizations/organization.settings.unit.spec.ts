import { type ActiveOrganization } from './organization.state';
import { type OrganizationEvent } from './organization.events';
import { fromOrganizationSnapshot, toOrganizationSnapshot } from './organization.snapshot';
import {
  at,
  base,
  cmd,
  given,
  granted,
  inTeam,
  joined,
  settings,
  stamp,
  team,
} from './organization.fixtures.testing';

describe('settings, contact person, domains and deletion', () => {
  it('R14/R16/R22: holders of org.update change the settings; an unchanged update decides nothing', () => {
    given(base)
      .when(
        cmd('admin', {
          type: 'UpdateSettings',
          name: ' Acme Inc ',
          requireTwoFactor: true,
          actorTwoFactor: true,
        }),
      )
      .then([
        {
          type: 'SettingsUpdated',
          data: {
            ...stamp('admin'),
            name: 'Acme Inc',
            autoJoin: false,
            membersMayEditOwnAvailability: true,
            requireTwoFactor: true,
          },
        },
      ]);
    for (const change of [
      { autoJoin: true },
      { membersMayEditOwnAvailability: false },
      { requireTwoFactor: true, actorTwoFactor: true },
    ])
      given(base)
        .when(cmd('owner', { type: 'UpdateSettings', ...change }))
        .thenTypes(['SettingsUpdated']);
    given(base)
      .when(cmd('owner', { type: 'UpdateSettings', name: 'Acme', autoJoin: false }))
      .then([]);
    given(base)
      .when(cmd('owner', { type: 'UpdateSettings' }))
      .then([]);
    given(base)
      .when(cmd('ada', { type: 'UpdateSettings', autoJoin: true }))
      .thenRefuses('insufficient-permission', { required: 'org.update' });
    given(base)
      .when(cmd('owner', { type: 'UpdateSettings', name: '' }))
      .thenRefuses('invalid-name', { field: 'name' });
  });

  it('R22: the requirement is turned on only from a session with a second factor (else its owner is locked out at once)', () => {
    given(base)
      .when(cmd('owner', { type: 'UpdateSettings', requireTwoFactor: true }))
      .thenRefuses('two-factor-required', { field: 'requireTwoFactor' });
    given(base)
      .when(cmd('owner', { type: 'UpdateSettings', requireTwoFactor: false }))
      .then([]);
  });

  it('the contact person is handed to another member (org.update), never to a stranger; the same again is a no-op', () => {
    const state = given(base)
      .when(cmd('owner', { type: 'SetContactPerson', userId: 'ada' }))
      .then([{ type: 'ContactPersonChanged', data: { ...stamp('owner'), userId: 'ada' } }])
      .state() as ActiveOrganization;
    expect(state.contactPersonId).toBe('ada');
    given(base)
      .when(cmd('owner', { type: 'SetContactPerson', userId: 'owner' }))
      .then([]);
    given(base)
      .when(cmd('owner', { type: 'SetContactPerson', userId: 'nobody' }))
      .thenRefuses('not-a-member');
    given(base)
      .when(cmd('ada', { type: 'SetContactPerson', userId: 'ada' }))
      .thenRefuses('insufficient-permission');
  });

  it('R13: a User holding org.update names only a member they see; anyone else is, to them, not a member', () => {
    const withUpdate = [...base, granted('ada', ['org.update'])];
    given(withUpdate)
      .when(cmd('ada', { type: 'SetContactPerson', userId: 'bob' }))
      .thenRefuses('not-a-member', { userId: 'bob' });
    given(withUpdate)
      .when(cmd('ada', { type: 'SetContactPerson', userId: 'owner' }))
      .thenRefuses('not-a-member', { userId: 'owner' });
    given(withUpdate)
      .when(cmd('ada', { type: 'SetContactPerson', userId: 'ada' }))
      .then([{ type: 'ContactPersonChanged', data: { ...stamp('ada'), userId: 'ada' } }]);
    given([...withUpdate, team('t1'), inTeam('t1', 'ada'), inTeam('t1', 'bob')])
      .when(cmd('ada', { type: 'SetContactPerson', userId: 'bob' }))
      .then([{ type: 'ContactPersonChanged', data: { ...stamp('ada'), userId: 'bob' } }]);
    given([...withUpdate, team('t1'), team('t2'), inTeam('t1', 'ada'), inTeam('t2', 'bob')])
      .when(cmd('ada', { type: 'SetContactPerson', userId: 'bob' }))
      .thenRefuses('not-a-member', { userId: 'bob' });
  });

  it('R13: naming nobody makes the Owner the contact person again, for a User holding org.update who cannot see the Owner', () => {
    const withUpdate = [...base, granted('ada', ['org.update'])];
    const adaIsContact: OrganizationEvent = {
      type: 'ContactPersonChanged',
      data: { ...stamp('ada'), userId: 'ada' },
    };
    const state = given([...withUpdate, adaIsContact])
      .when(cmd('ada', { type: 'SetContactPerson' }))
      .then([{ type: 'ContactPersonChanged', data: { ...stamp('ada'), userId: 'owner' } }])
      .state() as ActiveOrganization;
    expect(state.contactPersonId).toBe('owner');
    given([...withUpdate, adaIsContact, { ...adaIsContact, data: { ...stamp('ada'), userId: 'owner' } }])
      .when(cmd('ada', { type: 'SetContactPerson' }))
      .then([]);
    given([...base, adaIsContact])
      .when(cmd('bob', { type: 'SetContactPerson' }))
      .thenRefuses('insufficient-permission');
  });

  it('the contact person who leaves leaves the label empty', () => {
    const history = [
      ...base,
      { type: 'ContactPersonChanged', data: { ...stamp('owner'), userId: 'ada' } } as OrganizationEvent,
    ];
    const state = given(history)
      .when(cmd('ada', { type: 'LeaveOrganization' }))
      .state() as ActiveOrganization;
    expect(state.contactPersonId).toBeUndefined();
  });

  it('R16: Owner and Admins claim domains (normalised) and release them; a User cannot', () => {
    given(base)
      .when(
        cmd('admin', { type: 'ClaimDomain', domain: '@Acme.TEST', actorVerifiedEmail: 'admin@acme.test' }),
      )
      .then([{ type: 'DomainClaimed', data: { ...stamp('admin'), domain: 'acme.test' } }]);
    given(base)
      .when(cmd('ada', { type: 'ClaimDomain', domain: 'acme.test', actorVerifiedEmail: 'ada@acme.test' }))
      .thenRefuses('insufficient-permission', { required: 'org.update' });
    given(base)
      .when(
        cmd('owner', { type: 'ClaimDomain', domain: 'not a domain', actorVerifiedEmail: 'owner@acme.test' }),
      )
      .thenRefuses('validation-failed', { field: 'domain' });
    const claimed = [
      ...base,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'example.com' } } as OrganizationEvent,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'acme.test' } } as OrganizationEvent,
    ];
    given(claimed)
      .when(cmd('owner', { type: 'ClaimDomain', domain: 'ACME.test', actorVerifiedEmail: 'owner@acme.test' }))
      .then([]);
    given(claimed)
      .when(cmd('admin', { type: 'ReleaseDomain', domain: 'Example.com' }))
      .then([{ type: 'DomainReleased', data: { ...stamp('admin'), domain: 'example.com' } }]);
    given(claimed)
      .when(cmd('admin', { type: 'ReleaseDomain', domain: 'other.com' }))
      .then([]);
    given(claimed)
      .when(cmd('admin', { type: 'ReleaseDomain', domain: 'not a domain' }))
      .thenRefuses('validation-failed', { field: 'domain' });
    given(claimed)
      .when(cmd('ada', { type: 'ReleaseDomain', domain: 'example.com' }))
      .thenRefuses('insufficient-permission');
  });

  it('R16: a claim is proven by the claimant’s own verified address at the domain, and no public mail domain is claimed', () => {
    const claim = (domain: string, actorVerifiedEmail?: string) =>
      cmd('owner', { type: 'ClaimDomain', domain, ...(actorVerifiedEmail ? { actorVerifiedEmail } : {}) });
    given(base)
      .when(claim('acme.test'))
      .thenRefuses('domain-not-proven', { field: 'domain', domain: 'acme.test' });
    expect(given(base).when(claim('acme.test')).thenRefuses('domain-not-proven').kind).toBe('forbidden');
    for (const elsewhere of [
      'owner@other.test',
      'owner@mail.acme.test',
      'owner@acme.test.evil.test',
      'acme.test',
    ])
      given(base).when(claim('acme.test', elsewhere)).thenRefuses('domain-not-proven');
    given(base)
      .when(claim('@Acme.Test', 'Owner@ACME.test'))
      .then([{ type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'acme.test' } }]);
    // Refused, not answered as a no-op, when the organization holds the domain already.
    const held = [
      ...base,
      { type: 'DomainClaimed', data: { ...stamp('admin'), domain: 'acme.test' } } as OrganizationEvent,
    ];
    given(held).when(claim('acme.test', 'owner@other.test')).thenRefuses('domain-not-proven');

    for (const provider of [
      'gmail.com',
      'Outlook.com',
      'yahoo.com',
      'example.com',
      'fastmail.com',
      'duck.com',
    ]) {
      const refusal = given(base)
        .when(claim(provider, `owner@${provider}`))
        .thenRefuses('public-mail-domain', { field: 'domain', domain: provider.toLowerCase() });
      expect(refusal.kind).toBe('rule-violation');
    }
  });

  it('R16: an operator, member or not, releases a disputed claim; anyone else outside is refused', () => {
    const held = [
      ...base,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'acme.test' } } as OrganizationEvent,
    ];
    given(held)
      .when(cmd('opal', { type: 'ReleaseDomain', domain: 'ACME.test', actorIsOperator: true }))
      .then([{ type: 'DomainReleased', data: { ...stamp('opal'), domain: 'acme.test' } }]);
    // Told, not answered as done, when the organization does not hold it (the operator names only the domain).
    given(held)
      .when(cmd('opal', { type: 'ReleaseDomain', domain: 'other.test', actorIsOperator: true }))
      .thenRefuses('domain-not-claimed', { domain: 'other.test' });
    given(held)
      .when(cmd('admin', { type: 'ReleaseDomain', domain: 'other.test' }))
      .then([]);
    given(held)
      .when(cmd('opal', { type: 'ReleaseDomain', domain: 'acme.test' }))
      .thenRefuses('not-a-member');
  });

  it('R16: a public mail domain claimed before claims were checked for it enrols nobody', () => {
    const claimedOfOld = [
      ...base,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'gmail.com' } } as OrganizationEvent,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'acme.test' } } as OrganizationEvent,
      settings({ autoJoin: true }),
    ];
    given(claimedOfOld)
      .when(cmd('system', { type: 'AutoJoinMember', userId: 'new', email: 'new@gmail.com', verifiedAt: at }))
      .then([]);
    given(claimedOfOld)
      .when(cmd('system', { type: 'AutoJoinMember', userId: 'new', email: 'new@acme.test', verifiedAt: at }))
      .then([
        { type: 'MemberJoined', data: { ...stamp('system'), userId: 'new', role: 'user', via: 'auto-join' } },
      ]);
  });

  it('R16/R18: a verified address at a claimed domain auto-joins as User only when auto-join is on (the system acts)', () => {
    const claimed = [
      ...base,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'acme.test' } } as OrganizationEvent,
    ];
    const join = cmd('system', {
      type: 'AutoJoinMember',
      userId: 'new',
      email: 'new@Acme.test',
      verifiedAt: at,
    });
    given(claimed).when(join).then([]);
    const on = [...claimed, settings({ autoJoin: true })];
    given(on)
      .when(join)
      .then([
        { type: 'MemberJoined', data: { ...stamp('system'), userId: 'new', role: 'user', via: 'auto-join' } },
      ]);
    given(on)
      .when(cmd('system', { type: 'AutoJoinMember', userId: 'new', email: 'new@other.com', verifiedAt: at }))
      .then([]);
    given(on)
      .when(cmd('system', { type: 'AutoJoinMember', userId: 'new', email: 'no-domain', verifiedAt: at }))
      .then([]);
    given(on)
      .when(cmd('system', { type: 'AutoJoinMember', userId: 'ada', email: 'ada@acme.test', verifiedAt: at }))
      .then([]);
    given(on)
      .when(cmd('new', { type: 'AutoJoinMember', userId: 'new', email: 'new@acme.test', verifiedAt: at }))
      .thenRefuses('system-only');
  });

  it('R16/R5: an address with an invitation waiting to be accepted is left to it: auto-join would make it unacceptable', () => {
    const expiresAt = '2026-11-29T10:00:00.000Z';
    const on = [
      ...base,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'acme.test' } } as OrganizationEvent,
      settings({ autoJoin: true }),
    ];
    const invitation = (extra: Record<string, unknown> = {}): OrganizationEvent[] => [
      {
        type: 'InvitationCreated',
        data: {
          ...stamp('admin'),
          invitationId: 'inv-1',
          email: 'new@acme.test',
          role: 'admin',
          teamIds: [],
          permissions: [],
          expiresAt,
          ...extra,
        },
      } as OrganizationEvent,
      {
        type: 'InvitationSent',
        data: { ...stamp('admin'), invitationId: 'inv-1', sendSequence: 1, expiresAt, ...extra },
      } as OrganizationEvent,
    ];
    const join = (verifiedAt = at) =>
      cmd('system', { type: 'AutoJoinMember', userId: 'new', email: 'New@Acme.test', verifiedAt });
    const joins: OrganizationEvent[] = [
      { type: 'MemberJoined', data: { ...stamp('system'), userId: 'new', role: 'user', via: 'auto-join' } },
    ];
    given([...on, ...invitation()])
      .when(join())
      .then([]);
    // Not waiting: for another address, never sent, past its expiry, revoked, or no longer given by its giver.
    given([...on, ...invitation({ email: 'other@acme.test' })])
      .when(join())
      .then(joins);
    given([...on, invitation()[0]!])
      .when(join())
      .then(joins);
    given([...on, ...invitation({ expiresAt: at })])
      .when(join())
      .then(joins);
    given([
      ...on,
      ...invitation(),
      { type: 'InvitationRevoked', data: { ...stamp('admin'), invitationId: 'inv-1' } } as OrganizationEvent,
    ])
      .when(join())
      .then(joins);
    given([
      ...on,
      ...invitation(),
      {
        type: 'MemberRoleChanged',
        data: { ...stamp('owner'), userId: 'admin', from: 'admin', to: 'user' },
      } as OrganizationEvent,
    ])
      .when(join())
      .then(joins);
  });

  it('R16: an address joins at the moment it was verified: one verified before the claim, or before auto-join was turned on, is not auto-joined however late its reaction comes', () => {
    const t = (hour: number) => `2026-11-22T${String(hour).padStart(2, '0')}:00:00.000Z`;
    const claim = (when: string): OrganizationEvent => ({
      type: 'DomainClaimed',
      data: { ...stamp('owner', when), domain: 'acme.test' },
    });
    const autoJoin = (on: boolean, when: string): OrganizationEvent => {
      const event = settings({ autoJoin: on });
      return { ...event, data: { ...event.data, at: when } } as OrganizationEvent;
    };
    // Decided at 20:00, whenever it was verified.
    const verified = (when: string) => ({
      ...cmd('system', { type: 'AutoJoinMember', userId: 'new', email: 'new@acme.test', verifiedAt: when }),
      at: t(20),
    });
    const joins: OrganizationEvent[] = [
      {
        type: 'MemberJoined',
        data: { ...stamp('system', t(20)), userId: 'new', role: 'user', via: 'auto-join' },
      },
    ];
    // Claimed at 11, auto-join on at 12.
    const history = [...base, claim(t(11)), autoJoin(true, t(12))];
    given(history)
      .when(verified(t(10)))
      .then([]);
    given(history)
      .when(verified(t(11)))
      .then([]);
    given(history)
      .when(verified(t(12)))
      .then(joins);
    given(history)
      .when(verified(t(13)))
      .then(joins);
    // Compared as instants, not as text: a stamp written without milliseconds is no later than one with them.
    const withoutMillis = [...base, claim('2026-11-22T12:00:00Z'), autoJoin(true, '2026-11-22T12:00:00Z')];
    given(withoutMillis).when(verified('2026-11-22T12:00:00.500Z')).then(joins);
    given(withoutMillis).when(verified('2026-11-22T11:59:59.500Z')).then([]);
    // Auto-join on first, the domain claimed after: the claim is the later moment.
    const claimedLater = [...base, autoJoin(true, t(11)), claim(t(12))];
    given(claimedLater)
      .when(verified(t(11)))
      .then([]);
    given(claimedLater)
      .when(verified(t(12)))
      .then(joins);
    // Turned off and on again: only what was verified since the last time it was turned on.
    const againAt14 = [...history, autoJoin(false, t(13)), autoJoin(true, t(14))];
    given(againAt14)
      .when(verified(t(13)))
      .then([]);
    given(againAt14)
      .when(verified(t(14)))
      .then(joins);
    // Other settings changed while it stays on move nothing.
    given([...history, autoJoin(true, t(14))])
      .when(verified(t(13)))
      .then(joins);
    // Off, it has no moment.
    expect(given([...history, autoJoin(false, t(13))]).state()).toMatchObject({
      autoJoin: false,
      autoJoinSince: undefined,
    });
    // A snapshot keeps both moments.
    const state = given([...history, autoJoin(false, t(13)), autoJoin(true, t(14))]).state();
    expect(fromOrganizationSnapshot(JSON.parse(JSON.stringify(toOrganizationSnapshot(state))))).toEqual(
      state,
    );
    expect(state).toMatchObject({ autoJoinSince: t(14), domains: new Map([['acme.test', t(11)]]) });
  });

  it('R16: someone removed, or who left, is not auto-joined again by verifying another address at the domain; joining again by invitation clears that', () => {
    const on = [
      ...base,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'acme.test' } } as OrganizationEvent,
      settings({ autoJoin: true }),
    ];
    const rejoin = (userId: string) =>
      cmd('system', { type: 'AutoJoinMember', userId, email: `${userId}+again@acme.test`, verifiedAt: at });
    const removed = [
      ...on,
      { type: 'MemberRemoved', data: { ...stamp('owner'), userId: 'ada' } } as OrganizationEvent,
    ];
    given(removed).when(rejoin('ada')).then([]);
    const left = [
      ...on,
      { type: 'MemberLeft', data: { ...stamp('ada'), userId: 'ada' } } as OrganizationEvent,
    ];
    given(left).when(rejoin('ada')).then([]);
    // Gone with a deleted account, nobody is kept: that account never verifies an address again.
    const deleted = [
      ...on,
      { type: 'MemberLeft', data: { ...stamp('system'), userId: 'ada' } } as OrganizationEvent,
    ];
    expect(given(deleted).state()).toMatchObject({ formerMembers: new Set() });
    // A removal is kept whoever made it, the system included.
    const removedBySystem = [
      ...on,
      { type: 'MemberRemoved', data: { ...stamp('system'), userId: 'ada' } } as OrganizationEvent,
    ];
    expect(given(removedBySystem).state()).toMatchObject({ formerMembers: new Set(['ada']) });
    // Invited back and removed no more: a later removal is what counts, and the history survives a snapshot.
    const back = [...removed, joined('ada')];
    expect(given(back).state()).toMatchObject({ formerMembers: new Set() });
    const removedAgain = [
      ...back,
      { type: 'MemberRemoved', data: { ...stamp('owner'), userId: 'ada' } } as OrganizationEvent,
    ];
    const restored = fromOrganizationSnapshot(
      JSON.parse(JSON.stringify(toOrganizationSnapshot(given(removedAgain).state()))),
    );
    expect(restored).toMatchObject({ formerMembers: new Set(['ada']) });
    // Someone else at the domain still joins.
    given(removed).when(rejoin('new')).thenTypes(['MemberJoined']);
  });

  it('R10: only the Owner deletes; teams disbanded, invitations revoked, domains released, seats to zero', () => {
    const history: OrganizationEvent[] = [
      ...base,
      team('t1'),
      { type: 'SchedulableChanged', data: { ...stamp('owner'), userId: 'ada', schedulable: true } },
      { type: 'SeatsChanged', data: { ...stamp('owner'), seats: 1 } },
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'example.com' } },
      {
        type: 'InvitationCreated',
        data: {
          ...stamp('owner'),
          invitationId: 'i1',
          email: 'x@example.com',
          role: 'user',
          teamIds: [],
          permissions: [],
          expiresAt: '2026-12-01T00:00:00.000Z',
        },
      },
      {
        type: 'InvitationCreated',
        data: {
          ...stamp('owner'),
          invitationId: 'i2',
          email: 'y@example.com',
          role: 'user',
          teamIds: [],
          permissions: [],
          expiresAt: '2026-12-01T00:00:00.000Z',
        },
      },
      { type: 'InvitationRevoked', data: { ...stamp('owner'), invitationId: 'i2' } },
    ];
    given(history)
      .when(cmd('admin', { type: 'DeleteOrganization' }))
      .thenRefuses('insufficient-permission', { required: 'org.delete' });
    given([...history, granted('admin', ['org.update'])])
      .when(cmd('admin', { type: 'DeleteOrganization' }))
      .thenRefuses('insufficient-permission');
    const deletion = given(history).when(cmd('owner', { type: 'DeleteOrganization' }));
    deletion.then([
      { type: 'TeamDeleted', data: { ...stamp('owner'), teamId: 't1', reason: 'organization-deleted' } },
      { type: 'InvitationRevoked', data: { ...stamp('owner'), invitationId: 'i1' } },
      { type: 'DomainReleased', data: { ...stamp('owner'), domain: 'example.com' } },
      { type: 'SeatsChanged', data: { ...stamp('owner'), seats: 0 } },
      { type: 'OrganizationDeleted', data: stamp('owner') },
    ]);
    const after = [...history, ...deletion.decided()];
    expect(given(after).state().status).toBe('deleted');
    given(after)
      .when(cmd('owner', { type: 'CreateTeam', teamId: 'x', name: 'x' }))
      .thenRefuses('organization-deleted');
    given(after)
      .when(cmd('owner', { type: 'DeleteOrganization' }))
      .thenRefuses('organization-deleted');
    // A sent invitation past its expiry, not yet swept, is recorded expired, not revoked (nobody is told it was
    // withdrawn).
    const late = '2026-12-01T00:00:00.000Z';
    const sent: OrganizationEvent = {
      type: 'InvitationSent',
      data: { ...stamp('owner'), invitationId: 'i1', sendSequence: 1, expiresAt: late },
    };
    const lateDeletion = given([...history, sent])
      .when({ type: 'DeleteOrganization', actorId: 'owner', at: late })
      .decided();
    expect(lateDeletion.filter((e) => e.type.startsWith('Invitation'))).toEqual([
      { type: 'InvitationExpired', data: { ...stamp('system', late), invitationId: 'i1' } },
    ]);
    // R6: one never sent has no link to lapse, however old: the Owner's deletion revokes it.
    const unsentDeletion = given(history)
      .when({ type: 'DeleteOrganization', actorId: 'owner', at: late })
      .decided();
    expect(unsentDeletion.filter((e) => e.type.startsWith('Invitation'))).toEqual([
      { type: 'InvitationRevoked', data: { ...stamp('owner', late), invitationId: 'i1' } },
    ]);
  });
});
