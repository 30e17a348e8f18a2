/**
 * The permissions catalog is configuration (docs/rules.md, "Permissions"): every permission, what it gates, which
 * permissions it requires (R20), the lowest role that may hold it, what each role holds by default, and which
 * permissions a plan lets anyone grant. Operators add their own with `extendCatalog`.
 *
 * Everything is kept in Maps and Sets: permission and plan names come from callers, and a name such as `toString`
 * or `__proto__` must be an unknown permission, never a property of a plain object.
 */
export type Role = 'owner' | 'admin' | 'user';

export const ROLES: readonly Role[] = ['owner', 'admin', 'user'];

/** Owner above Admin above User: nobody gives a role, or acts on a member, above their own. */
export const ROLE_RANK: ReadonlyMap<Role, number> = new Map([
  ['user', 1],
  ['admin', 2],
  ['owner', 3],
]);

export function rankOf(role: Role): number {
  return ROLE_RANK.get(role)!;
}

export interface PermissionDefinition {
  /** R20: the permissions a member must hold (by role or grant) before this one can be granted. */
  readonly requires: readonly string[];
  /** The lowest role that may hold it. `owner` marks an Owner-only power: held by the Owner, never granted. */
  readonly minimumRole: Role;
  /** What holding it lets a member do. */
  readonly gates: string;
}

export interface PermissionsCatalog {
  readonly permissions: ReadonlyMap<string, PermissionDefinition>;
  /** What each role holds without any grant. The Owner holds every permission of the catalog. */
  readonly roleDefaults: ReadonlyMap<Role, ReadonlySet<string>>;
  /** Every plan an organization may be on -> the permissions that may be granted in it (`undefined`: no bound). */
  readonly grantableByPlan: ReadonlyMap<string, ReadonlySet<string> | undefined>;
}

const BUILT_IN: readonly [string, PermissionDefinition & { admin: boolean }][] = [
  [
    'members.read',
    { requires: [], minimumRole: 'user', admin: true, gates: 'see every member, team and invitation (R13)' },
  ],
  [
    'members.invite',
    {
      requires: ['members.read'],
      minimumRole: 'user',
      admin: true,
      gates: 'invite people, import invitations, and change, send, resend or revoke invitations (R5, R6, R7)',
    },
  ],
  [
    'members.remove',
    {
      requires: ['members.read'],
      minimumRole: 'user',
      admin: true,
      gates: 'remove members whose role is not above the remover’s, never the Owner (R8)',
    },
  ],
  [
    'members.changeRole',
    {
      requires: ['members.read'],
      minimumRole: 'admin',
      admin: true,
      gates: 'change other members between Admin and User (R3)',
    },
  ],
  [
    'teams.manage',
    {
      requires: ['members.read'],
      minimumRole: 'user',
      admin: true,
      gates: 'rename and delete any team and add or remove its members (R11)',
    },
  ],
  [
    'teams.create',
    { requires: ['teams.manage'], minimumRole: 'user', admin: true, gates: 'create teams (R11)' },
  ],
  [
    'org.update',
    {
      requires: [],
      minimumRole: 'user',
      admin: true,
      gates:
        'change the settings (name, auto-join, availability policy, two-factor requirement), the contact person and the claimed domains (R14, R16, R22)',
    },
  ],
  [
    'org.billing',
    {
      requires: ['org.update'],
      minimumRole: 'admin',
      admin: false,
      gates: 'read the billable seats and billing details (R15); the Owner may delegate it to an Admin',
    },
  ],
  [
    'org.delete',
    {
      requires: ['org.update'],
      minimumRole: 'owner',
      admin: false,
      gates: 'delete the organization (R10); the Owner’s alone',
    },
  ],
  [
    'audit.read',
    {
      requires: ['members.read'],
      minimumRole: 'user',
      admin: true,
      gates: 'read the organization’s history and its roster at past instants (R21)',
    },
  ],
  [
    'customers.manage',
    {
      requires: ['members.read'],
      minimumRole: 'user',
      admin: true,
      gates: 'act as an Admin in every child organization, with no extra rights here (R19)',
    },
  ],
  [
    'availability.editOwn',
    {
      requires: [],
      minimumRole: 'user',
      admin: true,
      gates: 'edit one’s own availability even where the organization does not let members (R14)',
    },
  ],
];

function catalogOf(
  definitions: ReadonlyMap<string, PermissionDefinition>,
  adminDefaults: Iterable<string>,
  grantableByPlan: ReadonlyMap<string, ReadonlySet<string> | undefined>,
): PermissionsCatalog {
  return {
    permissions: definitions,
    roleDefaults: new Map<Role, ReadonlySet<string>>([
      ['owner', new Set(definitions.keys())],
      ['admin', new Set(adminDefaults)],
      ['user', new Set()],
    ]),
    grantableByPlan,
  };
}

export const defaultCatalog: PermissionsCatalog = catalogOf(
  new Map(
    BUILT_IN.map(([name, { requires, minimumRole, gates }]) => [name, { requires, minimumRole, gates }]),
  ),
  BUILT_IN.filter(([, d]) => d.admin).map(([name]) => name),
  new Map<string, ReadonlySet<string> | undefined>([
    ['free', new Set(['members.read', 'members.invite', 'teams.manage', 'availability.editOwn'])],
    ['standard', undefined],
  ]),
);

/** An operator's permission: its prerequisites, the lowest role that may hold it, and whether Admins hold it. */
export interface OperatorPermission {
  readonly requires?: readonly string[];
  readonly minimumRole?: Role;
  /** Admins hold it by default (the Owner always does). */
  readonly admin?: boolean;
  readonly gates?: string;
  /** Bounded plans in which it may be granted too (plans without a bound allow it anyway). */
  readonly plans?: readonly string[];
}

/** Adds operator-defined permissions (e.g. `environments.admin` requiring `environments.read`). */
export function extendCatalog(
  base: PermissionsCatalog,
  extra: Readonly<Record<string, OperatorPermission>>,
): PermissionsCatalog {
  const definitions = new Map(base.permissions);
  const adminDefaults = new Set(base.roleDefaults.get('admin'));
  const plans = new Map(
    [...base.grantableByPlan].map(([plan, allowed]) => [plan, allowed && new Set(allowed)] as const),
  );
  const added = new Map(Object.entries(extra));
  for (const [name, permission] of added) {
    if (definitions.has(name)) throw new Error(`permission ${name} is already in the catalog`);
    const minimumRole = permission.minimumRole ?? 'user';
    if (!ROLE_RANK.has(minimumRole)) throw new Error(`permission ${name}: unknown role ${minimumRole}`);
    for (const p of permission.requires ?? []) {
      if (!definitions.has(p) && !added.has(p))
        throw new Error(`permission ${name} requires unknown permission ${p}`);
    }
    definitions.set(name, {
      requires: [...(permission.requires ?? [])],
      minimumRole,
      gates: permission.gates ?? `operator permission ${name}`,
    });
    if (permission.admin && minimumRole !== 'owner') adminDefaults.add(name);
    for (const plan of permission.plans ?? []) {
      if (!plans.has(plan)) throw new Error(`permission ${name}: unknown plan ${plan}`);
      plans.get(plan)?.add(name);
    }
  }
  // R20 in every state: what Admins hold by default, they hold with its prerequisites.
  for (const name of adminDefaults) {
    const lacking = definitions.get(name)!.requires.filter((p) => !adminDefaults.has(p));
    if (lacking.length > 0)
      throw new Error(
        `permission ${name}: Admins would hold it by default without ${lacking.join(', ')}, which it requires (R20)`,
      );
  }
  return catalogOf(definitions, adminDefaults, plans);
}

export function isKnownPermission(catalog: PermissionsCatalog, permission: string): boolean {
  return catalog.permissions.has(permission);
}

export function isKnownPlan(catalog: PermissionsCatalog, plan: string): boolean {
  return catalog.grantableByPlan.has(plan);
}

/** The prerequisites of `permission` that `held` lacks (R20). */
export function missingPrerequisites(
  catalog: PermissionsCatalog,
  permission: string,
  held: ReadonlySet<string>,
): string[] {
  return (catalog.permissions.get(permission)?.requires ?? []).filter((p) => !held.has(p));
}

/** Whether a member with `role` may hold `permission` at all. */
export function roleMayHold(catalog: PermissionsCatalog, role: Role, permission: string): boolean {
  const definition = catalog.permissions.get(permission);
  return definition !== undefined && rankOf(role) >= rankOf(definition.minimumRole);
}

export function grantableInPlan(catalog: PermissionsCatalog, plan: string, permission: string): boolean {
  const bound = catalog.grantableByPlan.get(plan);
  return bound === undefined ? catalog.grantableByPlan.has(plan) : bound.has(permission);
}

/** Role defaults plus individual grants. */
export function effectivePermissions(
  catalog: PermissionsCatalog,
  role: Role,
  granted: Iterable<string>,
): Set<string> {
  const held = new Set(catalog.roleDefaults.get(role));
  for (const p of granted) held.add(p);
  return held;
}

/**
 * R20 in every state: the grants a member with `role` cannot keep, because their role may not hold them or their
 * prerequisites are gone, including those that lose them only once others are gone (to a fixed point).
 */
export function grantsLackingPrerequisites(
  catalog: PermissionsCatalog,
  role: Role,
  granted: ReadonlySet<string>,
): string[] {
  const kept = new Set([...granted].filter((p) => roleMayHold(catalog, role, p)));
  // Each round drops at least one grant, so it ends within as many rounds as there are grants.
  for (let round = 0; round <= granted.size; round++) {
    const held = effectivePermissions(catalog, role, kept);
    const lacking = [...kept].filter((p) => missingPrerequisites(catalog, p, held).length > 0);
    if (lacking.length === 0) break;
    for (const p of lacking) kept.delete(p);
  }
  return [...granted].filter((p) => !kept.has(p)).sort();
}

/**
 * R5: whether a giver (role and effective permissions) may give an invitation these terms: they invite, their role is
 * as high, and they hold each permission it grants that the catalog still has, which only an Owner or Admin grants
 * (as granting directly: an Admin demoted to User who kept the permissions gives such an invitation no longer).
 */
export function givesInvitationTerms(
  catalog: PermissionsCatalog,
  giver: { readonly role: Role; readonly permissions: ReadonlySet<string> },
  terms: { readonly role: Role; readonly permissions: readonly string[] },
): boolean {
  const grants = terms.permissions.filter((p) => isKnownPermission(catalog, p));
  return (
    giver.permissions.has('members.invite') &&
    rankOf(giver.role) >= rankOf(terms.role) &&
    (grants.length === 0 || rankOf(giver.role) >= rankOf('admin')) &&
    grants.every((p) => giver.permissions.has(p))
  );
}
