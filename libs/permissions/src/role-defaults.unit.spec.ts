import { defaultCatalog, effectivePermissions, extendCatalog } from './permissions-catalog';
import {
  adoptionAt,
  roleDefaultsAt,
  roleDefaultsOf,
  sameRoleDefaults,
  withRoleDefaults,
  type AdoptedRoleDefaults,
} from './role-defaults';

const first = { owner: ['a', 'b'], admin: ['a'], user: [] };
const second = { owner: ['a', 'b', 'c'], admin: ['a', 'c'], user: [] };
const history: AdoptedRoleDefaults[] = [
  { since: '2026-01-01T00:00:00.000Z', defaults: first },
  { since: '2026-02-01T00:00:00.000Z', defaults: second },
];

describe('role defaults over time (R21)', () => {
  it('are those of the last adoption at or before the instant; before the first, the first; none without any', () => {
    expect(roleDefaultsAt(history, new Date('2025-06-01T00:00:00.000Z'))).toBe(first);
    expect(roleDefaultsAt(history, new Date('2026-01-15T00:00:00.000Z'))).toBe(first);
    expect(roleDefaultsAt(history, new Date('2026-01-31T23:59:59.999Z'))).toBe(first);
    expect(roleDefaultsAt(history, new Date('2026-02-01T00:00:00.000Z'))).toBe(second);
    expect(roleDefaultsAt(history, new Date('2027-01-01T00:00:00.000Z'))).toBe(second);
    expect(roleDefaultsAt([], new Date())).toBeUndefined();
    expect(adoptionAt(history, new Date('2026-02-01T00:00:00.000Z'))).toBe(history[1]);
  });

  it('are read off a catalog sorted, operator permissions included, and compared role by role', () => {
    const extended = extendCatalog(defaultCatalog, { 'environments.read': { admin: true } });
    const defaults = roleDefaultsOf(extended);
    expect(defaults.admin).toContain('environments.read');
    expect(defaults.owner).toEqual([...extended.permissions.keys()].sort());
    expect(defaults.user).toEqual([]);
    expect(roleDefaultsOf(defaultCatalog).user).toEqual([]);
    expect(sameRoleDefaults(defaults, roleDefaultsOf(extended))).toBe(true);
    expect(sameRoleDefaults(defaults, roleDefaultsOf(defaultCatalog))).toBe(false);
    expect(sameRoleDefaults(first, { ...first, user: ['a'] })).toBe(false);
    expect(sameRoleDefaults(first, { ...first, owner: ['a', 'c'] })).toBe(false);
  });

  it('put back into a catalog, decide what a role holds', () => {
    const then = withRoleDefaults(defaultCatalog, second);
    expect([...effectivePermissions(then, 'admin', ['x'])].sort()).toEqual(['a', 'c', 'x']);
    expect([...effectivePermissions(then, 'user', [])]).toEqual([]);
    expect([...effectivePermissions(then, 'owner', [])].sort()).toEqual(['a', 'b', 'c']);
    expect(then.permissions).toBe(defaultCatalog.permissions);
  });
});
