import fc from 'fast-check';
import { fold } from '@app/domain';
import { defaultCatalog, effectivePermissions } from '@app/permissions';
import { type OrganizationCommand } from './organization.commands';
import { organizationDecider } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import { rosterAt } from './roster-at';

describe('R21 roster at an instant, under delayed and retried commands (property-based)', () => {
  const decider = organizationDecider();
  const hour = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString();
  const member = fc.constantFrom('a', 'b', 'c');
  const step = fc.record({
    // A command is stamped when it arrives; a retry or a slow load decides it later, after others were appended.
    stampedAt: fc.integer({ min: 0, max: 48 }),
    command: fc.oneof(
      fc.record({
        type: fc.constant('AdmitMember' as const),
        userId: member,
        role: fc.constantFrom('admin' as const, 'user' as const),
        via: fc.constant('invitation' as const),
        actorId: fc.constant('system'),
      }),
      fc.record({
        type: fc.constant('ChangeMemberRole' as const),
        userId: member,
        role: fc.constantFrom('admin' as const, 'user' as const),
        actorId: fc.constant('owner'),
      }),
      fc.record({
        type: fc.constant('GrantPermissions' as const),
        userId: member,
        permissions: fc.constantFrom(['members.read'], ['org.update']),
        actorId: fc.constant('owner'),
      }),
      fc.record({
        type: fc.constant('RemoveMember' as const),
        userId: member,
        actorId: fc.constant('owner'),
      }),
    ),
  });

  function decideAll(steps: readonly { stampedAt: number; command: object }[]): OrganizationEvent[] {
    const history: OrganizationEvent[] = [
      {
        type: 'OrganizationCreated',
        data: { orgId: 'o', actorId: 'owner', at: hour(0), name: 'O', ownerId: 'owner', plan: 'standard' },
      },
    ];
    let state = fold(decider, history);
    for (const { stampedAt, command } of steps) {
      let events: readonly OrganizationEvent[] = [];
      try {
        events = decider.decide({ ...command, at: hour(stampedAt) } as OrganizationCommand, state);
      } catch {
        continue;
      }
      for (const e of events) state = decider.evolve(state, e);
      history.push(...events);
    }
    return history;
  }

  /** Every member with role and effective permissions, from the events recorded at or before the instant. */
  function bruteForce(history: readonly OrganizationEvent[], instant: Date) {
    const state = fold(
      decider,
      history.filter((e) => Date.parse(e.data.at) <= instant.getTime()),
    );
    if (state.status !== 'active') return [];
    return [...state.members.values()]
      .map((m) => ({
        userId: m.userId,
        role: m.role,
        permissions: [...effectivePermissions(defaultCatalog, m.role, m.granted)].sort(),
      }))
      .sort((a, b) => a.userId.localeCompare(b.userId));
  }

  it('R21: equals a brute-force fold of every event recorded at or before the instant; times never go backwards', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: -1, max: 50 }),
        (steps, probe) => {
          const history = decideAll(steps);
          for (let i = 1; i < history.length; i++)
            expect(Date.parse(history[i]!.data.at)).toBeGreaterThanOrEqual(
              Date.parse(history[i - 1]!.data.at),
            );
          const instant = new Date(hour(probe));
          const answer = rosterAt(history, instant).map(({ userId, role, permissions }) => ({
            userId,
            role,
            permissions,
          }));
          expect(answer).toEqual(bruteForce(history, instant));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('R21: a history written before times were kept in order is read as a prefix of the stream', () => {
    const unordered: OrganizationEvent[] = [
      {
        type: 'OrganizationCreated',
        data: {
          orgId: 'o',
          actorId: 'owner',
          at: '2026-01-01T00:00:00Z',
          name: 'O',
          ownerId: 'owner',
          plan: 'standard',
        },
      },
      {
        type: 'MemberJoined',
        data: {
          orgId: 'o',
          actorId: 'system',
          at: '2026-01-03T00:00:00Z',
          userId: 'a',
          role: 'user',
          via: 'invitation',
        },
      },
      // Decided after the join, stamped before it (a retried command under the old rule).
      {
        type: 'MemberRoleChanged',
        data: {
          orgId: 'o',
          actorId: 'owner',
          at: '2026-01-02T00:00:00Z',
          userId: 'a',
          from: 'user',
          to: 'admin',
        },
      },
    ];
    expect(rosterAt(unordered, new Date('2026-01-02T12:00:00Z')).map((m) => m.userId)).toEqual(['owner']);
    expect(rosterAt(unordered, new Date('2026-01-03T00:00:00Z')).find((m) => m.userId === 'a')?.role).toBe(
      'admin',
    );
  });
});
