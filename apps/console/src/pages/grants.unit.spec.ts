import { grantability, heldByRole, type Permission } from './grants';

const permission = (name: string, extra: Partial<Permission> = {}): Permission => ({
  name,
  gates: name,
  requires: [],
  minimumRole: 'user',
  heldBy: ['owner', 'admin'],
  ...extra,
});

describe('console: which permissions the invite dialog and member page offer (R20)', () => {
  const invite = permission('members.invite', { requires: ['members.read'] });

  it('a prerequisite not held is named; once held, the permission is grantable', () => {
    expect(grantability(invite, 'user', new Set())).toEqual({
      grantable: false,
      reason: 'Requires members.read first.',
    });
    expect(grantability(invite, 'user', new Set(['members.read']))).toEqual({ grantable: true });
  });

  it('powers above the role, and the Owner’s own, are never offered', () => {
    expect(
      grantability(permission('members.changeRole', { minimumRole: 'admin' }), 'user', new Set()),
    ).toEqual({
      grantable: false,
      reason: 'Only Admins and the Owner may hold this.',
    });
    expect(
      grantability(permission('members.changeRole', { minimumRole: 'admin' }), 'admin', new Set()),
    ).toEqual({
      grantable: true,
    });
    expect(
      grantability(permission('org.delete', { minimumRole: 'owner' }), 'admin', new Set()).grantable,
    ).toBe(false);
  });

  it('what a role holds comes from the catalog', () => {
    const items = [permission('members.read'), permission('org.billing', { heldBy: ['owner'] })];
    expect([...heldByRole(items, 'admin')]).toEqual(['members.read']);
    expect([...heldByRole(items, 'owner')]).toEqual(['members.read', 'org.billing']);
    expect([...heldByRole(items, 'user')]).toEqual([]);
  });
});
