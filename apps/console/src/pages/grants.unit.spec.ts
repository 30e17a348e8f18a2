import { grantability, heldByRole, type Permission } from './grants';

const permission = (name: string, extra: Partial<Permission> = {}): Permission => ({
  name,
  gates: name,
  requires: [],
  minimumRole: 'user',
  heldBy: ['owner', 'admin'],
  grantableIn: ['free', 'standard'],
  ...extra,
});

describe('console: which permissions the invite dialog and member page offer (R20)', () => {
  const invite = permission('members.invite', { requires: ['members.read'] });

  it('a prerequisite not held is named; once held, the permission is grantable', () => {
    expect(grantability(invite, 'user', new Set(), 'standard')).toEqual({
      grantable: false,
      reason: 'Requires members.read first.',
    });
    expect(grantability(invite, 'user', new Set(['members.read']), 'standard')).toEqual({ grantable: true });
  });

  it('powers above the role, and the Owner’s own, are never offered', () => {
    expect(
      grantability(permission('members.changeRole', { minimumRole: 'admin' }), 'user', new Set(), 'standard'),
    ).toEqual({
      grantable: false,
      reason: 'Only Admins and the Owner may hold this.',
    });
    expect(
      grantability(
        permission('members.changeRole', { minimumRole: 'admin' }),
        'admin',
        new Set(),
        'standard',
      ),
    ).toEqual({
      grantable: true,
    });
    expect(
      grantability(permission('org.delete', { minimumRole: 'owner' }), 'admin', new Set(), 'standard')
        .grantable,
    ).toBe(false);
  });

  it("a permission the organization's plan does not allow is not offered, and the plan is named", () => {
    const billing = permission('org.billing', { minimumRole: 'admin', grantableIn: ['standard'] });
    expect(grantability(billing, 'admin', new Set(), 'free')).toEqual({
      grantable: false,
      reason: 'Not available on the free plan.',
    });
    expect(grantability(billing, 'admin', new Set(), 'standard')).toEqual({ grantable: true });
  });

  it('what a role holds comes from the catalog', () => {
    const items = [permission('members.read'), permission('org.billing', { heldBy: ['owner'] })];
    expect([...heldByRole(items, 'admin')]).toEqual(['members.read']);
    expect([...heldByRole(items, 'owner')]).toEqual(['members.read', 'org.billing']);
    expect([...heldByRole(items, 'user')]).toEqual([]);
  });
});
