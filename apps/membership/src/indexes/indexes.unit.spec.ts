import { type RecordedDomainEvent } from '@app/event-store';
import { InvitationIndex } from './invitation-index';
import { UserDirectory } from './user-directory';

const at = '2026-11-22T10:00:00.000Z';
const on = (streamName: string, type: string, data: Record<string, unknown>) =>
  ({ streamName, event: { type, data } }) as unknown as RecordedDomainEvent<never>;

describe('membership indexes', () => {
  it('R5: the invitation index knows where each invitation lives and which pending ones are due', () => {
    const index = new InvitationIndex();
    const base = { orgId: 'o1', actorId: 'owner', at };
    index.apply(
      on('organization-o1', 'InvitationCreated', {
        ...base,
        invitationId: 'a',
        expiresAt: '2026-11-23T00:00:00.000Z',
      }),
    );
    index.apply(
      on('organization-o1', 'InvitationCreated', {
        ...base,
        invitationId: 'b',
        expiresAt: '2026-11-23T00:00:00.000Z',
      }),
    );
    index.apply(
      on('organization-o1', 'InvitationSent', {
        ...base,
        invitationId: 'a',
        sendSequence: 2,
        expiresAt: '2026-11-30T00:00:00.000Z',
      }),
    );
    index.apply(
      on('organization-o1', 'InvitationCreated', {
        ...base,
        invitationId: 'c',
        expiresAt: '2026-11-23T00:00:00.000Z',
      }),
    );
    index.apply(
      on('organization-o1', 'InvitationSent', {
        ...base,
        invitationId: 'b',
        sendSequence: 1,
        expiresAt: '2026-11-23T00:00:00.000Z',
      }),
    );
    index.apply(on('organization-o1', 'InvitationRevoked', { ...base, invitationId: 'c' }));
    // Never sent, 'd' has no link to lapse (R6): it waits to be sent, however old.
    index.apply(
      on('organization-o1', 'InvitationCreated', {
        ...base,
        invitationId: 'd',
        expiresAt: '2026-11-23T00:00:00.000Z',
      }),
    );
    expect(index.get('a')).toMatchObject({ orgId: 'o1', sendSequence: 2, status: 'pending' });
    expect(index.due('2026-11-24T00:00:00.000Z').map((i) => i.invitationId)).toEqual(['b']);
  });

  it("R5: an id another organization already holds does not take over that organization's invitation", () => {
    const index = new InvitationIndex();
    const created = (orgId: string) =>
      on(`organization-${orgId}`, 'InvitationCreated', {
        orgId,
        actorId: 'owner',
        at,
        invitationId: 'same',
        expiresAt: '2026-11-23T00:00:00.000Z',
      });
    index.apply(created('o1'));
    index.apply(created('o2'));
    index.apply(
      on('organization-o2', 'InvitationRevoked', { orgId: 'o2', actorId: 'owner', at, invitationId: 'same' }),
    );
    expect(index.get('same')).toMatchObject({ orgId: 'o1', status: 'pending' });
  });

  it('R5: the user directory follows addresses through changes and deletion', () => {
    const users = new UserDirectory();
    users.apply(on('user-u1', 'UserRegistered', { userId: 'u1', email: 'a@x.io', phone: '+14155552671' }));
    expect(users.userWithEmail(' A@X.io ')).toBe('u1');
    users.apply(on('user-u1', 'EmailChanged', { userId: 'u1', previousEmail: 'a@x.io', email: 'b@x.io' }));
    expect(users.userWithEmail('a@x.io')).toBeUndefined();
    expect(users.userWithEmail('b@x.io')).toBe('u1');
    users.apply(on('user-u1', 'UserDeleted', { userId: 'u1' }));
    expect(users.userWithEmail('b@x.io')).toBeUndefined();
    users.apply(on('email-abc', 'UserRegistered', { userId: 'u2', email: 'c@x.io' }));
    expect(users.userWithEmail('c@x.io')).toBeUndefined();
  });

  it('R5: an account withdrawn after registering an address another account holds leaves that account found', () => {
    const users = new UserDirectory();
    users.apply(on('user-keeps', 'UserRegistered', { userId: 'keeps', email: 'a@x.io' }));
    users.apply(on('user-withdrawn', 'UserRegistered', { userId: 'withdrawn', email: 'a@x.io' }));
    users.apply(on('user-withdrawn', 'UserDeleted', { userId: 'withdrawn' }));
    expect(users.userWithEmail('a@x.io')).toBe('keeps');
    users.apply(
      on('user-keeps', 'EmailChanged', { userId: 'keeps', previousEmail: 'a@x.io', email: 'b@x.io' }),
    );
    expect(users.userWithEmail('a@x.io')).toBeUndefined();
  });

  it('R16, R18: the user directory knows an address as verified only until it changes', () => {
    const users = new UserDirectory();
    users.apply(on('user-u1', 'UserRegistered', { userId: 'u1', email: 'a@x.io' }));
    expect(users.verifiedEmailOf('u1')).toBeUndefined();
    users.apply(on('user-u1', 'EmailVerified', { userId: 'u1', email: 'a@x.io' }));
    expect(users.verifiedEmailOf('u1')).toBe('a@x.io');
    users.apply(on('user-u1', 'ProfileUpdated', { userId: 'u1', phone: '+14155552671' }));
    expect(users.verifiedEmailOf('u1')).toBe('a@x.io');
    users.apply(on('user-u1', 'EmailChanged', { userId: 'u1', previousEmail: 'a@x.io', email: 'b@y.io' }));
    expect(users.verifiedEmailOf('u1')).toBeUndefined();
    // A verification of the address it had before proves nothing about the one it has now.
    users.apply(on('user-u1', 'EmailVerified', { userId: 'u1', email: 'a@x.io' }));
    expect(users.verifiedEmailOf('u1')).toBeUndefined();
    users.apply(on('user-u1', 'EmailVerified', { userId: 'u1', email: 'b@y.io' }));
    expect(users.verifiedEmailOf('u1')).toBe('b@y.io');
    users.apply(on('user-u1', 'UserDeleted', { userId: 'u1' }));
    expect(users.verifiedEmailOf('u1')).toBeUndefined();
    expect(users.verifiedEmailOf('nobody')).toBeUndefined();
  });
});
