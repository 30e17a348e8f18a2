import {
  defaultCatalog,
  effectivePermissions,
  extendCatalog,
  givesInvitationTerms,
  grantableInPlan,
  grantsLackingPrerequisites,
  ROLES,
  roleMayHold,
} from './permissions-catalog';

describe('the permissions catalog (R20)', () => {
  it('knows the three roles, highest first, and a User holds nothing by default', () => {
    expect(ROLES).toEqual(['owner', 'admin', 'user']);
    expect([...defaultCatalog.roleDefaults.get('user')!]).toEqual([]);
    expect(defaultCatalog.roleDefaults.get('admin')!.has('org.billing')).toBe(false);
    expect(defaultCatalog.roleDefaults.get('owner')!.has('org.delete')).toBe(true);
  });

  it('says what each permission gates, for the docs and the API', () => {
    for (const [name, definition] of defaultCatalog.permissions)
      expect({ name, gates: definition.gates.length > 10 }).toEqual({ name, gates: true });
  });

  it('the free plan bounds what can be granted; the standard plan does not', () => {
    expect(grantableInPlan(defaultCatalog, 'free', 'members.invite')).toBe(true);
    expect(grantableInPlan(defaultCatalog, 'free', 'teams.manage')).toBe(true);
    expect(grantableInPlan(defaultCatalog, 'free', 'availability.editOwn')).toBe(true);
    expect(grantableInPlan(defaultCatalog, 'free', 'audit.read')).toBe(false);
    expect(grantableInPlan(defaultCatalog, 'standard', 'audit.read')).toBe(true);
    expect(grantableInPlan(defaultCatalog, 'no-such-plan', 'audit.read')).toBe(false);
  });

  it('an operator permission gets a default description, joins the Admin defaults only when asked, and its plans', () => {
    const catalog = extendCatalog(defaultCatalog, {
      'environments.admin': { requires: ['members.read'], admin: true, plans: ['free'] },
      'environments.view': { minimumRole: 'owner', admin: true },
      'reports.export': {},
    });
    expect(catalog.permissions.get('environments.admin')).toEqual({
      requires: ['members.read'],
      minimumRole: 'user',
      gates: 'operator permission environments.admin',
    });
    expect(catalog.roleDefaults.get('admin')!.has('environments.admin')).toBe(true);
    // An owner-only permission is no Admin default, even when marked admin.
    expect(catalog.roleDefaults.get('admin')!.has('environments.view')).toBe(false);
    expect(catalog.roleDefaults.get('admin')!.has('reports.export')).toBe(false);
    expect(grantableInPlan(catalog, 'free', 'environments.admin')).toBe(true);
    expect(grantableInPlan(catalog, 'free', 'reports.export')).toBe(false);
    expect(grantableInPlan(defaultCatalog, 'free', 'environments.admin')).toBe(false);
    expect(roleMayHold(catalog, 'admin', 'environments.view')).toBe(false);
  });

  it('R20: an operator permission Admins hold by default without its prerequisites is refused, naming them', () => {
    expect(() =>
      extendCatalog(defaultCatalog, {
        'billing.export': { requires: ['org.billing'], minimumRole: 'admin', admin: true },
      }),
    ).toThrow(
      'permission billing.export: Admins would hold it by default without org.billing, which it requires (R20)',
    );
    expect(() =>
      extendCatalog(defaultCatalog, {
        'environments.admin': { requires: ['environments.read', 'members.read'], admin: true },
        'environments.read': {},
      }),
    ).toThrow('without environments.read,');
    // Both held by default, or the dependent one not: accepted.
    const catalog = extendCatalog(defaultCatalog, {
      'environments.admin': { requires: ['environments.read', 'members.read'], admin: true },
      'environments.read': { admin: true },
      'billing.export': { requires: ['org.billing'], minimumRole: 'admin' },
    });
    expect(
      ['environments.admin', 'environments.read', 'billing.export'].map((p) =>
        catalog.roleDefaults.get('admin')!.has(p),
      ),
    ).toEqual([true, true, false]);
    // Every role's defaults carry their prerequisites, the built-in catalog's too.
    for (const c of [defaultCatalog, catalog])
      for (const role of ROLES)
        for (const p of c.roleDefaults.get(role)!)
          expect([
            p,
            c.permissions.get(p)!.requires.filter((r) => !c.roleDefaults.get(role)!.has(r)),
          ]).toEqual([p, []]);
  });

  it('an operator permission naming a plan the catalog does not have is refused; an unbounded plan may be named', () => {
    expect(() => extendCatalog(defaultCatalog, { 'reports.export': { plans: ['fre'] } })).toThrow(
      'permission reports.export: unknown plan fre',
    );
    const catalog = extendCatalog(defaultCatalog, { 'reports.export': { plans: ['standard', 'free'] } });
    expect(['standard', 'free'].map((plan) => grantableInPlan(catalog, plan, 'reports.export'))).toEqual([
      true,
      true,
    ]);
  });

  it('grants that lose their prerequisites go, through chains, however they are ordered', () => {
    const catalog = extendCatalog(defaultCatalog, {
      'a.one': { requires: ['members.read'] },
      'a.two': { requires: ['a.one'] },
      'a.three': { requires: ['a.two'] },
    });
    // Without members.read the whole chain goes, the last link only once the one before it is gone.
    expect(grantsLackingPrerequisites(catalog, 'user', new Set(['a.three', 'a.two', 'a.one']))).toEqual([
      'a.one',
      'a.three',
      'a.two',
    ]);
    expect(grantsLackingPrerequisites(catalog, 'user', new Set(['members.read', 'a.one', 'a.two']))).toEqual(
      [],
    );
    expect(grantsLackingPrerequisites(catalog, 'admin', new Set(['a.three', 'a.two', 'a.one']))).toEqual([]);
    expect(grantsLackingPrerequisites(catalog, 'user', new Set(['org.billing']))).toEqual(['org.billing']);
    expect([...effectivePermissions(catalog, 'user', ['a.one'])]).toEqual(['a.one']);
  });

  it('R5: who gives an invitation its terms: an inviter of a role as high, and only an Owner or Admin grants with it', () => {
    const giver = (role: 'owner' | 'admin' | 'user', ...permissions: string[]) => ({
      role,
      permissions: new Set(permissions),
    });
    const gives = (g: ReturnType<typeof giver>, role: 'admin' | 'user', ...permissions: string[]) =>
      givesInvitationTerms(defaultCatalog, g, { role, permissions });
    expect(gives(giver('user', 'members.invite'), 'user')).toBe(true);
    expect(gives(giver('user'), 'user')).toBe(false);
    expect(gives(giver('user', 'members.invite'), 'admin')).toBe(false);
    expect(gives(giver('admin', 'members.invite', 'members.read'), 'admin', 'members.read')).toBe(true);
    expect(gives(giver('admin', 'members.invite'), 'user', 'members.read')).toBe(false);
    // A User holding what the invitation grants still does not grant it.
    expect(gives(giver('user', 'members.invite', 'members.read'), 'user', 'members.read')).toBe(false);
    // A permission the catalog no longer has is left out at acceptance: it asks nothing of the giver.
    expect(gives(giver('user', 'members.invite'), 'user', 'no.such.permission')).toBe(true);
  });
});
