import { DomainError, fold } from '@app/domain';
import { organizationDecider, type OrganizationCommand } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import { type ActiveOrganization } from './organization.state';

const decider = organizationDecider();
const at = '2026-11-22T10:00:00.000Z';
const stamp = (actorId: string) => ({ orgId: 'org-1', actorId, at });
const base: OrganizationEvent[] = [
  {
    type: 'OrganizationCreated',
    data: { ...stamp('owner'), name: 'Acme', ownerId: 'owner', plan: 'standard' },
  },
  { type: 'MemberJoined', data: { ...stamp('system'), userId: 'admin', role: 'admin', via: 'invitation' } },
  { type: 'MemberJoined', data: { ...stamp('system'), userId: 'ada', role: 'user', via: 'invitation' } },
  { type: 'MemberJoined', data: { ...stamp('system'), userId: 'bob', role: 'user', via: 'invitation' } },
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
const weekly = [{ day: 1, from: '09:00', to: '17:00' }];
const availability = (userId: string, actorId: string): OrganizationCommand => ({
  type: 'SetAvailability',
  userId,
  available: true,
  weekly,
  actorId,
  at,
});
const locked = [
  ...base,
  ...run(base, { type: 'UpdateSettings', membersMayEditOwnAvailability: false, actorId: 'owner', at }).events,
];

describe('settings, contact person and availability', () => {
  it('R14: a member changes their own availability when the organization allows it', () => {
    const { events } = run(base, availability('ada', 'ada'));
    expect(events).toEqual([
      { type: 'AvailabilityChanged', data: { ...stamp('ada'), userId: 'ada', available: true, weekly } },
    ]);
    expect(
      (fold(decider, [...base, ...events]) as ActiveOrganization).members.get('ada')?.availability,
    ).toEqual({ available: true, weekly });
  });

  it('R14: when the organization does not allow it, only Owner and Admins change availability', () => {
    expect(run(locked, availability('ada', 'ada')).code).toBe('availability-locked');
    expect(run(locked, availability('ada', 'admin')).events).toHaveLength(1);
    expect(run(base, availability('bob', 'ada')).code).toBe('insufficient-role');
  });

  it('R14: a malformed weekly slot names the field', () => {
    expect(
      run(base, {
        type: 'SetAvailability',
        userId: 'ada',
        available: true,
        weekly: [{ day: 9, from: '09:00', to: '08:00' }],
        actorId: 'ada',
        at,
      }).code,
    ).toBe('validation-failed');
  });

  it('Owner and Admins update settings; a User cannot; an unchanged update decides nothing', () => {
    expect(
      run(base, { type: 'UpdateSettings', name: 'Acme Inc', actorId: 'admin', at }).events[0]!.data,
    ).toMatchObject({
      name: 'Acme Inc',
      autoJoin: false,
      membersMayEditOwnAvailability: true,
      requireTwoFactor: false,
    });
    expect(run(base, { type: 'UpdateSettings', autoJoin: true, actorId: 'ada', at }).code).toBe(
      'insufficient-permission',
    );
    expect(run(base, { type: 'UpdateSettings', name: 'Acme', actorId: 'owner', at }).events).toEqual([]);
  });

  it('R1: the contact person can be handed to another member, never to a stranger', () => {
    expect(run(base, { type: 'SetContactPerson', userId: 'ada', actorId: 'owner', at }).events).toHaveLength(
      1,
    );
    expect(run(base, { type: 'SetContactPerson', userId: 'nobody', actorId: 'owner', at }).code).toBe(
      'not-a-member',
    );
  });

  it('R16: Owner and Admins claim domains (normalised); a User cannot', () => {
    expect(
      run(base, { type: 'ClaimDomain', domain: '@Example.COM', actorId: 'admin', at }).events[0]!.data,
    ).toMatchObject({ domain: 'example.com' });
    expect(run(base, { type: 'ClaimDomain', domain: 'example.com', actorId: 'ada', at }).code).toBe(
      'insufficient-role',
    );
    expect(run(base, { type: 'ClaimDomain', domain: 'not a domain', actorId: 'owner', at }).code).toBe(
      'validation-failed',
    );
  });

  it('R16/R18: a verified address at a claimed domain auto-joins as User only when auto-join is on', () => {
    const claimed = [
      ...base,
      ...run(base, { type: 'ClaimDomain', domain: 'example.com', actorId: 'owner', at }).events,
    ];
    const join: OrganizationCommand = {
      type: 'AutoJoinMember',
      userId: 'new',
      email: 'new@example.com',
      actorId: 'system',
      at,
    };
    expect(run(claimed, join).events).toEqual([]);
    const on = [
      ...claimed,
      ...run(claimed, { type: 'UpdateSettings', autoJoin: true, actorId: 'owner', at }).events,
    ];
    expect(run(on, join).events).toEqual([
      { type: 'MemberJoined', data: { ...stamp('system'), userId: 'new', role: 'user', via: 'auto-join' } },
    ]);
    expect(run(on, { ...join, email: 'new@other.com' }).events).toEqual([]);
    expect(run(on, { ...join, actorId: 'new' }).code).toBe('forbidden');
  });
});
