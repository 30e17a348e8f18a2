/**
 * The permissions catalog is configuration (DOMAIN.md "Permissions"): every permission, what each role has by
 * default, which permissions require others (R20), and which a plan allows to be granted at all. Operators merge in
 * their own permissions with `extendCatalog`.
 */
export type Role = 'owner' | 'admin' | 'user';

export interface PermissionsCatalog {
  /** permission -> the permissions it requires */
  readonly requires: Readonly<Record<string, readonly string[]>>;
  readonly roleDefaults: Readonly<Record<Role, readonly string[]>>;
  /** plan -> the permissions that may be granted in it; a plan absent here bounds nothing */
  readonly grantableByPlan: Readonly<Record<string, readonly string[]>>;
}

const ALL_BUILT_IN = [
  'members.read',
  'members.invite',
  'members.remove',
  'members.changeRole',
  'teams.create',
  'teams.manage',
  'org.update',
  'org.billing',
  'org.delete',
  'audit.read',
  'customers.manage',
  'availability.editOwn',
] as const;

export const defaultCatalog: PermissionsCatalog = {
  requires: {
    'members.read': [],
    'members.invite': ['members.read'],
    'members.remove': ['members.read'],
    'members.changeRole': ['members.read'],
    'teams.create': ['teams.manage'],
    'teams.manage': ['members.read'],
    'org.update': [],
    'org.billing': ['org.update'],
    'org.delete': ['org.update'],
    'audit.read': ['members.read'],
    'customers.manage': ['members.read'],
    'availability.editOwn': [],
  },
  roleDefaults: {
    owner: [...ALL_BUILT_IN],
    admin: ALL_BUILT_IN.filter((p) => p !== 'org.delete' && p !== 'org.billing'),
    user: ['members.read', 'availability.editOwn'],
  },
  grantableByPlan: {
    free: ['members.read', 'members.invite', 'teams.manage', 'availability.editOwn'],
  },
};

/** Adds operator-defined permissions (e.g. `environments.admin` requiring `environments.read`). */
export function extendCatalog(
  base: PermissionsCatalog,
  extra: Readonly<Record<string, readonly string[]>>,
): PermissionsCatalog {
  for (const [permission, prerequisites] of Object.entries(extra)) {
    for (const p of prerequisites) {
      if (!(p in base.requires) && !(p in extra)) {
        throw new Error(`permission ${permission} requires unknown permission ${p}`);
      }
    }
  }
  return { ...base, requires: { ...base.requires, ...extra } };
}

export function isKnownPermission(catalog: PermissionsCatalog, permission: string): boolean {
  return permission in catalog.requires;
}

/** The prerequisites of `permission` that `held` lacks (R20). */
export function missingPrerequisites(
  catalog: PermissionsCatalog,
  permission: string,
  held: ReadonlySet<string>,
): string[] {
  return (catalog.requires[permission] ?? []).filter((p) => !held.has(p));
}

export function grantableInPlan(catalog: PermissionsCatalog, plan: string, permission: string): boolean {
  const bound = catalog.grantableByPlan[plan];
  return bound === undefined || bound.includes(permission);
}

/** Role defaults plus individual grants. */
export function effectivePermissions(
  catalog: PermissionsCatalog,
  role: Role,
  granted: Iterable<string>,
): Set<string> {
  return new Set([...catalog.roleDefaults[role], ...granted]);
}
