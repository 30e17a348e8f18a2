import { consistentAt, organizationStateOf, stateStep, userStateOf } from './public-state';

describe('what the state topic gets for a change event', () => {
  it('waits while the read model is behind the event or has not seen the aggregate', () => {
    expect(stateStep(3, null)).toBe('wait');
    expect(stateStep(3, { revision: 2, deleted: false })).toBe('wait');
    expect(stateStep(3, { revision: 2, deleted: true })).toBe('wait');
  });

  it('skips an event the read model has moved past: the later event publishes', () => {
    expect(stateStep(3, { revision: 4, deleted: false })).toBe('skip');
    expect(stateStep(3, { revision: 4, deleted: true })).toBe('skip');
  });

  it('publishes the state at the read model revision, or a tombstone when that revision deleted it', () => {
    expect(stateStep(3, { revision: 3, deleted: false })).toBe('publish');
    expect(stateStep(3, { revision: 3, deleted: true })).toBe('tombstone');
  });
});

describe('the organization state read after its document', () => {
  const org = { revision: 4, memberCount: 2 } as never;
  const member = (userId: string, revision: number) => ({ userId, revision }) as never;
  const team = (revision: number) => ({ teamId: 't', revision }) as never;

  it('belongs to the document revision when nothing read is newer and every member is there', () => {
    expect(consistentAt(org, [member('a', 1), member('b', 4)], [team(3)])).toBe(true);
  });

  it('does not when the next event already changed a member or a team, or removed a member', () => {
    expect(consistentAt(org, [member('a', 1), member('b', 5)], [])).toBe(false);
    expect(consistentAt(org, [member('a', 1), member('b', 2)], [team(5)])).toBe(false);
    expect(consistentAt(org, [member('a', 1)], [])).toBe(false);
  });
});

describe('the public state', () => {
  it('carries only the fields its schema names: no contact data of members, no storage fields', () => {
    const state = organizationStateOf(
      { _id: 'o', revision: 1, orgId: 'o', name: 'Acme', secret: 'x' } as never,
      [
        {
          _id: 'o/u',
          revision: 1,
          orgId: 'o',
          userId: 'u',
          role: 'user',
          name: 'Ada',
          email: 'ada@example.com',
        },
      ] as never,
      [{ _id: 'o/t', revision: 1, orgId: 'o', teamId: 't', name: 'Night', members: [] }] as never,
    );
    expect(state).toEqual({
      orgId: 'o',
      name: 'Acme',
      members: [{ userId: 'u', role: 'user' }],
      teams: [{ teamId: 't', name: 'Night', members: [] }],
    });
    expect(
      userStateOf({ _id: 'u', revision: 3, userId: 'u', name: 'Ada', passwordHash: 'h' } as never),
    ).toEqual({
      userId: 'u',
      name: 'Ada',
    });
  });
});
