import { ROLES, type PermissionsCatalog, type Role } from './permissions-catalog';

/** What each role holds without any grant, as one catalog says: all a member's permissions at an instant hang on it. */
export type RoleDefaults = Readonly<Record<Role, readonly string[]>>;

/** Role defaults adopted from `since` on (membership records them when it starts with a catalog that differs). */
export interface AdoptedRoleDefaults {
  readonly since: string;
  readonly defaults: RoleDefaults;
}

export function roleDefaultsOf(catalog: PermissionsCatalog): RoleDefaults {
  const of = (role: Role) => [...catalog.roleDefaults.get(role)!].sort();
  return { owner: of('owner'), admin: of('admin'), user: of('user') };
}

export function sameRoleDefaults(a: RoleDefaults, b: RoleDefaults): boolean {
  return ROLES.every(
    (role) => a[role].length === b[role].length && a[role].every((p, i) => p === b[role][i]),
  );
}

/** The catalog as it was when these defaults were in force (prerequisites and plans are today's). */
export function withRoleDefaults(catalog: PermissionsCatalog, defaults: RoleDefaults): PermissionsCatalog {
  return {
    ...catalog,
    roleDefaults: new Map(ROLES.map((role) => [role, new Set(defaults[role])] as const)),
  };
}

/**
 * R21: the adoption in force at `instant`: the last at or before it. Before the first (history older than the
 * recording), the first is the best known; none when nothing was ever recorded.
 */
export function adoptionAt(
  history: readonly AdoptedRoleDefaults[],
  instant: Date,
): AdoptedRoleDefaults | undefined {
  let inForce = history[0];
  for (const adopted of history) {
    if (Date.parse(adopted.since) > instant.getTime()) break;
    inForce = adopted;
  }
  return inForce;
}

/** R21: the role defaults in force at `instant` (see `adoptionAt`). */
export function roleDefaultsAt(
  history: readonly AdoptedRoleDefaults[],
  instant: Date,
): RoleDefaults | undefined {
  return adoptionAt(history, instant)?.defaults;
}
