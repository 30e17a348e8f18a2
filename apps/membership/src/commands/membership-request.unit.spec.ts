import { trusted } from './membership-request';

const invite = (email: string, role = 'user') =>
  trusted({
    commandId: 'c1',
    orgId: 'org-1',
    actorId: 'owner',
    command: { type: 'InviteMember', invitationId: 'i1', email, role, teamIds: [], permissions: [] },
  });

describe('a request’s fingerprint (stored in every event’s metadata, in the clear)', () => {
  it('leaves addresses out, so no stored hash can be tested against a guessed address', () => {
    expect(invite('ada@example.com').fingerprint).toBe(invite('bob@example.com').fingerprint);
    const imported = (email: string) =>
      trusted({
        commandId: 'c2',
        orgId: 'org-1',
        actorId: 'owner',
        command: { type: 'ImportInvitations', rows: [{ email, role: 'user' }, { phone: '+14155552671' }] },
      }).fingerprint;
    expect(imported('ada@example.com')).toBe(imported('zoe@example.com'));
  });

  it('still tells one command from another by everything else', () => {
    expect(invite('ada@example.com', 'admin').fingerprint).not.toBe(invite('ada@example.com').fingerprint);
    expect(invite('ada@example.com').fingerprint).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
