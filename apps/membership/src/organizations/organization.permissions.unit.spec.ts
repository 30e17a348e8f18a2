import {
  defaultCatalog,
  effectivePermissions,
  extendCatalog,
  grantsLackingPrerequisites,
  isKnownPermission,
  missingPrerequisites,
  rankOf,
  roleMayHold,
  type Role,
} from '@app/permissions';
import { type OrganizationCommand } from './organization.commands';
import { type OrganizationEvent } from './organization.events';
import {
  base,
  cmd,
  created,
  given,
  givenWith,
  granted,
  joined,
  settings,
  stamp,
  team,
} from './organization.fixtures.testing';

/** The role -> permission table of docs/permissions.md: what each role holds without any grant. */
const ROLE_TABLE: [string, Record<Role, boolean>, string[], Role][] = [
  // permission, held by {owner, admin, user}, requires, lowest role that may hold it
  ['members.read', { owner: true, admin: true, user: false }, [], 'user'],
  ['members.invite', { owner: true, admin: true, user: false }, ['members.read'], 'user'],
  ['members.remove', { owner: true, admin: true, user: false }, ['members.read'], 'user'],
  ['members.changeRole', { owner: true, admin: true, user: false }, ['members.read'], 'admin'],
  ['teams.manage', { owner: true, admin: true, user: false }, ['members.read'], 'user'],
  ['teams.create', { owner: true, admin: true, user: false }, ['teams.manage'], 'user'],
  ['org.update', { owner: true, admin: true, user: false }, [], 'user'],
  ['org.billing', { owner: true, admin: false, user: false }, ['org.update'], 'admin'],
  ['org.delete', { owner: true, admin: false, user: false }, ['org.update'], 'owner'],
  ['audit.read', { owner: true, admin: true, user: false }, ['members.read'], 'user'],
  ['customers.manage', { owner: true, admin: true, user: false }, ['members.read'], 'user'],
  ['availability.editOwn', { owner: true, admin: true, user: false }, [], 'user'],
];

describe('the role -> permission table (docs/permissions.md)', () => {
  it('lists exactly the permissions of the catalog', () => {
    expect(ROLE_TABLE.map(([p]) => p).sort()).toEqual([...defaultCatalog.permissions.keys()].sort());
  });

  it.each(ROLE_TABLE)(
    '%s: held by default %j, requires %j, held from the %s role up',
    (permission, roles, requires, minimumRole) => {
      for (const role of ['owner', 'admin', 'user'] as const)
        expect(effectivePermissions(defaultCatalog, role, []).has(permission)).toBe(roles[role]);
      expect(defaultCatalog.permissions.get(permission)?.requires).toEqual(requires);
      expect(defaultCatalog.permissions.get(permission)?.minimumRole).toBe(minimumRole);
    },
  );

  it('is the table written in docs/permissions.md', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const docs: string = require('node:fs').readFileSync(
      `${__dirname}/../../../../docs/permissions.md`,
      'utf8',
    );
    const rows = new Map(
      docs
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .map((line) =>
          line
            .split('|')
            .slice(1, -1)
            .map((cell) => cell.trim()),
        )
        .filter((cells) => cells.length === 6)
        .map((cells) => [cells[0]!.replaceAll('`', ''), cells.slice(1)]),
    );
    for (const [permission, roles, requires, minimumRole] of ROLE_TABLE) {
      expect([permission, rows.get(permission)]).toEqual([
        permission,
        [
          mark(roles.owner),
          mark(roles.admin),
          mark(roles.user),
          requires.map((r) => `\`${r}\``).join(', ') || '—',
          minimumRole,
        ],
      ]);
    }
    expect(rows.size).toBe(ROLE_TABLE.length);
  });
});

const mark = (held: boolean) => (held ? '✓' : '');

/**
 * Each permission gates exactly what its name says: a User refused without it may do that thing once granted it
 * (with its prerequisites). Read-side permissions (members.read, audit.read, org.billing) gate the gateway's routes.
 */
const GATES: [string, OrganizationEvent[], OrganizationCommand, string, string][] = [
  [
    'members.invite',
    [],
    cmd('ada', {
      type: 'InviteMember',
      invitationId: 'i',
      email: 'x@example.com',
      role: 'user',
      teamIds: [],
      permissions: [],
      send: false,
      expiresAt: '2026-12-01T00:00:00.000Z',
    }),
    'InvitationCreated',
    'insufficient-permission',
  ],
  [
    'members.remove',
    [],
    cmd('ada', { type: 'RemoveMember', userId: 'bob' }),
    'MemberRemoved',
    'insufficient-permission',
  ],
  [
    'teams.manage',
    [team('t1')],
    cmd('ada', { type: 'DeleteTeam', teamId: 't1' }),
    'TeamDeleted',
    'insufficient-permission',
  ],
  [
    'teams.create',
    [],
    cmd('ada', { type: 'CreateTeam', teamId: 't9', name: 'New' }),
    'TeamCreated',
    'insufficient-permission',
  ],
  [
    'org.update',
    [],
    cmd('ada', { type: 'UpdateSettings', name: 'Renamed' }),
    'SettingsUpdated',
    'insufficient-permission',
  ],
  [
    'availability.editOwn',
    [settings({ membersMayEditOwnAvailability: false })],
    cmd('ada', { type: 'SetAvailability', userId: 'ada', available: false, weekly: [] }),
    'AvailabilityChanged',
    'availability-locked',
  ],
];

describe('each permission gates what its name says', () => {
  it.each(GATES)('%s', (permission, setup, command, decided, refusedWith) => {
    const history = [...base, ...setup];
    given(history).when(command).thenRefuses(refusedWith);
    const withPrerequisites = [...defaultCatalog.permissions.get(permission)!.requires, permission];
    const events = given([...history, granted('ada', withPrerequisites)])
      .when(command)
      .decided();
    expect(events.map((e) => e.type)).toContain(decided);
  });

  it('org.delete is the Owner’s alone: an Admin neither holds it nor can be given it', () => {
    given(base)
      .when(cmd('admin', { type: 'DeleteOrganization' }))
      .thenRefuses('insufficient-permission', { required: 'org.delete' });
    given(base)
      .when(cmd('owner', { type: 'GrantPermissions', userId: 'admin', permissions: ['org.delete'] }))
      .thenRefuses('permission-requires-role', { permission: 'org.delete', minimumRole: 'owner' });
    given(base)
      .when(cmd('owner', { type: 'DeleteOrganization' }))
      .thenTypes(['OrganizationDeleted']);
  });

  it('org.billing: the Owner may delegate it to an Admin, never to a User; an Admin cannot give it', () => {
    given(base)
      .when(cmd('owner', { type: 'GrantPermissions', userId: 'admin', permissions: ['org.billing'] }))
      .then([
        {
          type: 'PermissionsGranted',
          data: { ...stamp('owner'), userId: 'admin', permissions: ['org.billing'] },
        },
      ]);
    given(base)
      .when(
        cmd('owner', { type: 'GrantPermissions', userId: 'ada', permissions: ['org.update', 'org.billing'] }),
      )
      .thenRefuses('permission-requires-role', { permission: 'org.billing' });
    given([...base, joined2('cid', 'admin')])
      .when(cmd('admin', { type: 'GrantPermissions', userId: 'cid', permissions: ['org.billing'] }))
      .thenRefuses('cannot-grant-permission', { permission: 'org.billing' });
  });
});

function joined2(userId: string, role: 'admin' | 'user'): OrganizationEvent {
  return { type: 'MemberJoined', data: { ...stamp('system'), userId, role, via: 'invitation' } };
}

describe('R20 granting and revoking', () => {
  it('R20: granting without prerequisites is refused, naming what is missing', () => {
    given(base)
      .when(cmd('owner', { type: 'GrantPermissions', userId: 'ada', permissions: ['teams.create'] }))
      .thenRefuses('permission-prerequisite-missing', {
        permission: 'teams.create',
        missing: ['teams.manage'],
      });
  });

  it('R20: prerequisites granted in the same command, or held already, satisfy it', () => {
    given(base)
      .when(
        cmd('owner', {
          type: 'GrantPermissions',
          userId: 'ada',
          permissions: ['teams.create', 'teams.manage', 'members.read'],
        }),
      )
      .then([
        {
          type: 'PermissionsGranted',
          data: {
            ...stamp('owner'),
            userId: 'ada',
            permissions: ['members.read', 'teams.create', 'teams.manage'],
          },
        },
      ]);
    given([...base, granted('ada', ['members.read'])])
      .when(cmd('admin', { type: 'GrantPermissions', userId: 'ada', permissions: ['audit.read'] }))
      .thenTypes(['PermissionsGranted']);
  });

  it('R20: granting what is already granted is a no-op; a repeated name counts once', () => {
    const history = [...base, granted('ada', ['members.read'])];
    given(history)
      .when(cmd('owner', { type: 'GrantPermissions', userId: 'ada', permissions: ['members.read'] }))
      .then([]);
    given(base)
      .when(
        cmd('owner', {
          type: 'GrantPermissions',
          userId: 'ada',
          permissions: ['members.read', 'members.read'],
        }),
      )
      .then([
        {
          type: 'PermissionsGranted',
          data: { ...stamp('owner'), userId: 'ada', permissions: ['members.read'] },
        },
      ]);
  });

  it('R4, R20: granting what the role gives changes nothing, so a demotion takes it with the role', () => {
    const admin2 = [...base, joined('admin2', 'admin')];
    given(admin2)
      .when(
        cmd('admin2', {
          type: 'GrantPermissions',
          userId: 'admin',
          permissions: ['org.update', 'members.read', 'members.remove'],
        }),
      )
      .then([]);
    // Given with something the role does not give, only that is recorded.
    given(admin2)
      .when(
        cmd('owner', {
          type: 'GrantPermissions',
          userId: 'admin',
          permissions: ['members.remove', 'org.billing'],
        }),
      )
      .then([
        {
          type: 'PermissionsGranted',
          data: { ...stamp('owner'), userId: 'admin', permissions: ['org.billing'] },
        },
      ]);
    const demoted = [
      ...admin2,
      ...given(admin2)
        .when(
          cmd('admin2', {
            type: 'GrantPermissions',
            userId: 'admin',
            permissions: ['org.update', 'members.read', 'members.remove'],
          }),
        )
        .decided(),
      ...given(admin2)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .decided(),
    ];
    given(demoted)
      .when(cmd('admin', { type: 'UpdateSettings', autoJoin: true }))
      .thenRefuses('insufficient-permission');
    given(demoted)
      .when(cmd('admin', { type: 'RemoveMember', userId: 'ada' }))
      .thenRefuses('insufficient-permission');
  });

  it('R20: the plan bounds what may be granted at all', () => {
    given([created('free'), joined2('ada', 'user')])
      .when(
        cmd('owner', {
          type: 'GrantPermissions',
          userId: 'ada',
          permissions: ['members.read', 'audit.read'],
        }),
      )
      .thenRefuses('permission-not-in-plan', { permission: 'audit.read', plan: 'free' });
    given([created('free'), joined2('ada', 'user')])
      .when(
        cmd('owner', {
          type: 'GrantPermissions',
          userId: 'ada',
          permissions: ['members.read', 'members.invite'],
        }),
      )
      .thenTypes(['PermissionsGranted']);
  });

  it('R20: operator-defined permissions take part, with their prerequisites; unknown ones are refused', () => {
    // Admins hold neither by default (holding environments.admin without its prerequisite is no catalog: R20).
    const catalog = extendCatalog(defaultCatalog, {
      'environments.read': {},
      'environments.admin': { requires: ['environments.read'] },
    });
    givenWith(catalog)(base)
      .when(cmd('owner', { type: 'GrantPermissions', userId: 'ada', permissions: ['environments.admin'] }))
      .thenRefuses('permission-prerequisite-missing', {
        permission: 'environments.admin',
        missing: ['environments.read'],
      });
    givenWith(catalog)(base)
      .when(
        cmd('admin', {
          type: 'GrantPermissions',
          userId: 'ada',
          permissions: ['environments.admin', 'environments.read'],
        }),
      )
      .thenRefuses('cannot-grant-permission', { permission: 'environments.admin' });
    givenWith(catalog)(base)
      .when(
        cmd('owner', {
          type: 'GrantPermissions',
          userId: 'ada',
          permissions: ['environments.admin', 'environments.read'],
        }),
      )
      .thenTypes(['PermissionsGranted']);
    given(base)
      .when(cmd('owner', { type: 'GrantPermissions', userId: 'ada', permissions: ['environments.admin'] }))
      .thenRefuses('unknown-permission', { field: 'permissions', permission: 'environments.admin' });
  });

  it('R20: a prerequisite another grant needs cannot be revoked; revoking it with the dependant can', () => {
    const history = [...base, granted('ada', ['members.read', 'teams.manage', 'teams.create'])];
    given(history)
      .when(cmd('owner', { type: 'RevokePermissions', userId: 'ada', permissions: ['teams.manage'] }))
      .thenRefuses('permission-required-by-other-grant', { requiredBy: ['teams.create'] });
    given(history)
      .when(
        cmd('admin', {
          type: 'RevokePermissions',
          userId: 'ada',
          permissions: ['teams.create', 'teams.manage'],
        }),
      )
      .then([
        {
          type: 'PermissionsRevoked',
          data: { ...stamp('admin'), userId: 'ada', permissions: ['teams.create', 'teams.manage'] },
        },
      ]);
    given(history)
      .when(cmd('admin', { type: 'RevokePermissions', userId: 'ada', permissions: ['audit.read'] }))
      .then([]);
  });

  it('R20: a grant already lacking a prerequisite (the catalog changed since) does not stand in the way of revoking another', () => {
    const since = extendCatalog(defaultCatalog, { 'env.read': { requires: ['audit.read'] } });
    const history = [...base, granted('ada', ['env.read', 'members.read', 'members.invite'])];
    givenWith(since)(history)
      .when(cmd('owner', { type: 'RevokePermissions', userId: 'ada', permissions: ['members.invite'] }))
      .then([
        {
          type: 'PermissionsRevoked',
          data: { ...stamp('owner'), userId: 'ada', permissions: ['members.invite'] },
        },
      ]);
    // What this revocation leaves lacking still does: members.invite needs members.read.
    givenWith(since)(history)
      .when(cmd('owner', { type: 'RevokePermissions', userId: 'ada', permissions: ['members.read'] }))
      .thenRefuses('permission-required-by-other-grant', { requiredBy: ['members.invite'] });
  });

  it('R20: revoking a name the catalog does not know is refused, as granting it is; a grant it dropped since is cleared', () => {
    given([...base, granted('ada', ['members.read'])])
      .when(
        cmd('owner', { type: 'RevokePermissions', userId: 'ada', permissions: ['members.read', 'no.such'] }),
      )
      .thenRefuses('unknown-permission', { field: 'permissions', permission: 'no.such' });
    const extended = extendCatalog(defaultCatalog, { 'environments.read': {} });
    const history = [...base, granted('ada', ['environments.read'])];
    givenWith(extended)(history)
      .when(cmd('owner', { type: 'RevokePermissions', userId: 'ada', permissions: ['environments.read'] }))
      .thenTypes(['PermissionsRevoked']);
    given(history)
      .when(cmd('admin', { type: 'RevokePermissions', userId: 'ada', permissions: ['environments.read'] }))
      .then([
        {
          type: 'PermissionsRevoked',
          data: { ...stamp('admin'), userId: 'ada', permissions: ['environments.read'] },
        },
      ]);
    // A dropped grant left held stands in the way of no other revocation, known or dropped.
    const both = [...base, granted('ada', ['members.read', 'environments.read', 'environments.admin'])];
    for (const permission of ['environments.admin', 'members.read'])
      given(both)
        .when(cmd('owner', { type: 'RevokePermissions', userId: 'ada', permissions: [permission] }))
        .then([
          {
            type: 'PermissionsRevoked',
            data: { ...stamp('owner'), userId: 'ada', permissions: [permission] },
          },
        ]);
  });

  it('R20: revoking what the role gives is refused, naming it; a grant it also gives is revoked; one never held is a no-op', () => {
    given(base)
      .when(
        cmd('owner', {
          type: 'RevokePermissions',
          userId: 'admin',
          permissions: ['audit.read', 'members.read'],
        }),
      )
      .thenRefuses('permission-comes-with-role', {
        field: 'permissions',
        permission: 'audit.read',
        role: 'admin',
      });
    given([...base, granted('admin', ['members.read'])])
      .when(cmd('owner', { type: 'RevokePermissions', userId: 'admin', permissions: ['members.read'] }))
      .then([
        {
          type: 'PermissionsRevoked',
          data: { ...stamp('owner'), userId: 'admin', permissions: ['members.read'] },
        },
      ]);
    given(base)
      .when(cmd('owner', { type: 'RevokePermissions', userId: 'ada', permissions: ['audit.read'] }))
      .then([]);
  });

  it('only Owner and Admins grant or revoke, and only for members', () => {
    const history = [...base, granted('ada', ['members.read', 'members.invite'])];
    given(history)
      .when(cmd('ada', { type: 'GrantPermissions', userId: 'bob', permissions: ['members.read'] }))
      .thenRefuses('insufficient-role');
    given(history)
      .when(cmd('ada', { type: 'RevokePermissions', userId: 'bob', permissions: ['members.read'] }))
      .thenRefuses('insufficient-role');
    given(base)
      .when(cmd('owner', { type: 'GrantPermissions', userId: 'nobody', permissions: ['members.read'] }))
      .thenRefuses('not-a-member');
    given(base)
      .when(cmd('owner', { type: 'RevokePermissions', userId: 'nobody', permissions: ['members.read'] }))
      .thenRefuses('not-a-member');
  });
});

describe('delegation is bounded by the giver’s own rights', () => {
  it('nobody grants or revokes their own permissions (an Admin grants themself nothing)', () => {
    given(base)
      .when(cmd('admin', { type: 'GrantPermissions', userId: 'admin', permissions: ['org.billing'] }))
      .thenRefuses('cannot-change-own-permissions');
    given([...base, granted('admin', ['org.billing'])])
      .when(cmd('admin', { type: 'RevokePermissions', userId: 'admin', permissions: ['org.billing'] }))
      .thenRefuses('cannot-change-own-permissions');
  });

  it('nobody grants to, or revokes from, a member above their own role', () => {
    given(base)
      .when(cmd('admin', { type: 'GrantPermissions', userId: 'owner', permissions: ['members.read'] }))
      .thenRefuses('member-above-own-role');
    given([...base, granted('owner', ['members.read'])])
      .when(cmd('admin', { type: 'RevokePermissions', userId: 'owner', permissions: ['members.read'] }))
      .thenRefuses('member-above-own-role');
  });

  it('an Admin cannot take away what only the Owner could give', () => {
    given([...base, granted('ada', ['org.update']), joined2('cid', 'admin'), granted('cid', ['org.billing'])])
      .when(cmd('admin', { type: 'RevokePermissions', userId: 'cid', permissions: ['org.billing'] }))
      .thenRefuses('cannot-grant-permission', { permission: 'org.billing' });
  });
});

describe('permission and plan names are data, never object keys', () => {
  const prototypeKeys = [
    'toString',
    'constructor',
    '__proto__',
    'hasOwnProperty',
    'valueOf',
    '__defineGetter__',
  ];

  it.each(prototypeKeys)('%s is an unknown permission, granted or invited', (name) => {
    expect(isKnownPermission(defaultCatalog, name)).toBe(false);
    given(base)
      .when(cmd('owner', { type: 'GrantPermissions', userId: 'ada', permissions: [name] }))
      .thenRefuses('unknown-permission', { permission: name });
    given(base)
      .when(
        cmd('owner', {
          type: 'InviteMember',
          invitationId: 'i',
          email: 'x@example.com',
          role: 'user',
          teamIds: [],
          permissions: [name],
          send: false,
          expiresAt: '2026-12-01T00:00:00.000Z',
        }),
      )
      .thenRefuses('unknown-permission', { permission: name });
    given(base)
      .when(cmd('owner', { type: 'RevokePermissions', userId: 'ada', permissions: [name] }))
      .thenRefuses('unknown-permission', { permission: name });
    given([])
      .when(cmd('owner', { type: 'CreateOrganization', orgId: 'o', name: 'x', plan: name }))
      .thenRefuses('unknown-plan');
    expect(missingPrerequisites(defaultCatalog, name, new Set())).toEqual([]);
    expect(roleMayHold(defaultCatalog, 'owner', name)).toBe(false);
  });

  it('an operator catalog cannot be built with unknown prerequisites, duplicates or unknown roles', () => {
    expect(() => extendCatalog(defaultCatalog, { x: { requires: ['toString'] } })).toThrow(
      /unknown permission toString/,
    );
    expect(() => extendCatalog(defaultCatalog, { 'members.read': {} })).toThrow(/already in the catalog/);
    expect(() => extendCatalog(defaultCatalog, { x: { minimumRole: 'root' as Role } })).toThrow(
      /unknown role/,
    );
    const catalog = extendCatalog(defaultCatalog, {
      'a.b': { requires: ['c.d'] },
      'c.d': { plans: ['free'] },
    });
    expect(catalog.permissions.get('a.b')?.requires).toEqual(['c.d']);
    expect(catalog.grantableByPlan.get('free')?.has('c.d')).toBe(true);
    expect(catalog.grantableByPlan.get('free')?.has('a.b')).toBe(false);
    expect(defaultCatalog.grantableByPlan.get('free')?.has('c.d')).toBe(false);
  });

  it('R20 fixed point: grants lose their prerequisites transitively and by role', () => {
    const catalog = extendCatalog(defaultCatalog, {
      'x.one': { requires: ['org.billing'] },
      'x.two': { requires: ['x.one'] },
    });
    expect(grantsLackingPrerequisites(catalog, 'user', new Set(['x.one', 'x.two', 'members.read']))).toEqual([
      'x.one',
      'x.two',
    ]);
    expect(grantsLackingPrerequisites(catalog, 'admin', new Set(['x.one', 'x.two', 'org.billing']))).toEqual(
      [],
    );
    expect(grantsLackingPrerequisites(catalog, 'user', new Set(['org.billing']))).toEqual(['org.billing']);
    expect([rankOf('user'), rankOf('admin'), rankOf('owner')]).toEqual([1, 2, 3]);
  });
});
