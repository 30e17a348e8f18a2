import { type Role } from '@app/permissions';

/**
 * The gateway's read models, one collection each, every document recording the revision of the aggregate stream it
 * reflects (the organization's, or the user's for users). Ids are `<orgId>/<...>`, so a page of one organization is
 * one `_id` range and nothing of another tenant sits in between.
 */

export const COLLECTIONS = {
  users: 'users_v1',
  organizations: 'organizations_v1',
  members: 'members_v1',
  teams: 'teams_v1',
  invitations: 'invitations_v1',
  auditEvents: 'audit_events_v1',
  roleIntervals: 'role_intervals_v1',
  erasedAddresses: 'erased_addresses_v1',
} as const;

export type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];

/**
 * What each collection is looked up by (every tenant's collection by `orgId` first): the members filters `role`,
 * `schedulable` and `teamId`, a user's memberships, an invitation by its id, a member's open role interval; and,
 * across tenants only when a user is erased, the copies of their addresses.
 */
export const INDEXES: Readonly<Record<CollectionName, readonly (readonly string[])[]>> = {
  [COLLECTIONS.users]: [['email'], ['phone']],
  [COLLECTIONS.organizations]: [],
  [COLLECTIONS.members]: [
    ['orgId'],
    ['orgId', 'role'],
    ['orgId', 'schedulable'],
    ['orgId', 'teamIds'],
    ['userId'],
  ],
  [COLLECTIONS.teams]: [['orgId']],
  [COLLECTIONS.invitations]: [['orgId'], ['orgId', 'status'], ['invitationId'], ['email'], ['phone']],
  // An erased user's address is looked for in the invitation events they received; an invitee's erasure by its key.
  // The audit list's filters `type` and `userId`.
  [COLLECTIONS.auditEvents]: [
    ['orgId'],
    ['orgId', 'type'],
    ['orgId', 'involves'],
    ['data.email'],
    ['data.phone'],
    ['data.erasedKeys'],
  ],
  [COLLECTIONS.roleIntervals]: [['orgId'], ['orgId', 'userId']],
  [COLLECTIONS.erasedAddresses]: [],
};

export interface UserDoc {
  readonly _id: string;
  readonly revision: number;
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly phone?: string;
  readonly locale?: string;
  readonly emailVerified: boolean;
  readonly twoFactorEnabled: boolean;
  readonly locked: boolean;
  readonly createdAt: string;
  /**
   * The revision of the event that set the current name and address: what members copying them record, the same
   * whichever order the users' and organizations' events were projected in (absent on documents from before it was
   * kept: their `revision` stands in).
   */
  readonly profileRevision?: number;
  /** Sessions begun before this instant have ended: the password was changed or reset, or two-factor turned on or off. */
  readonly sessionsEndedAt?: string;
  /**
   * Every name the user has had, oldest first, each with when it was taken (R21: a roster at an instant names people
   * as they were then, so an organization does not follow the later names of someone who has left it).
   */
  readonly names?: readonly { readonly name: string; readonly from: string }[];
}

/** The user's name at `at`: the latest taken at or before it (the first, if `at` is earlier); the current one for a document kept from before names were. */
export function nameAt(user: UserDoc, at: string): string {
  const names = user.names ?? [];
  let name = names[0]?.name ?? user.name;
  for (const taken of names) if (taken.from <= at) name = taken.name;
  return name;
}

export interface OrganizationDoc {
  readonly _id: string;
  readonly revision: number;
  readonly orgId: string;
  readonly name: string;
  readonly plan: string;
  readonly ownerId: string;
  readonly contactPersonId?: string;
  readonly autoJoin: boolean;
  readonly membersMayEditOwnAvailability: boolean;
  readonly requireTwoFactor: boolean;
  readonly domains: readonly string[];
  readonly parentOrgId?: string;
  readonly childOrgIds: readonly string[];
  readonly seats: number;
  readonly memberCount: number;
  readonly createdAt: string;
  /**
   * When the organization's latest event (any, members' and teams' too) happened: its document moves with each. The
   * latest instant of its history so far, where an old history's times go backwards.
   */
  readonly updatedAt: string;
  /** Some event of its history is stamped before one before it (recorded before the decider kept them in order). */
  readonly timesGoBack?: boolean;
  /** Deleted organizations keep their document (with the revision), so a replayed older event cannot revive them. */
  readonly deleted?: boolean;
}

export interface Availability {
  readonly available: boolean;
  readonly weekly: readonly { readonly day: number; readonly from: string; readonly to: string }[];
}

export interface MemberDoc {
  readonly _id: string;
  readonly revision: number;
  readonly orgId: string;
  readonly userId: string;
  readonly role: Role;
  /** Extra permissions granted to this member. */
  readonly granted: readonly string[];
  /** Role defaults plus grants. */
  readonly permissions: readonly string[];
  readonly schedulable: boolean;
  readonly contactPerson: boolean;
  readonly teamIds: readonly string[];
  readonly managedTeamIds: readonly string[];
  readonly availability?: Availability;
  readonly joinedAt: string;
  readonly via: 'invitation' | 'auto-join' | 'creation';
  readonly twoFactorEnrollmentRequired?: boolean;
  /** Copied from the user and organization read models, for search and for "my organizations". */
  readonly name?: string;
  readonly email?: string;
  /** The user's revision `name` and `email` are from: one from an older revision never replaces them. */
  readonly profileRevision?: number;
  readonly orgName: string;
}

export interface TeamDoc {
  readonly _id: string;
  readonly revision: number;
  readonly orgId: string;
  readonly teamId: string;
  readonly name: string;
  readonly members: readonly { readonly userId: string; readonly role: 'manager' | 'member' }[];
  readonly createdAt: string;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

/** The latest instant ISO-8601 writes with a four-digit year: later than any `now` compared with it. */
export const NEVER_LAPSES = '9999-12-31T23:59:59.999Z';

export interface InvitationDoc {
  readonly _id: string;
  readonly revision: number;
  readonly orgId: string;
  readonly invitationId: string;
  readonly email?: string;
  readonly phone?: string;
  readonly role: 'admin' | 'user';
  readonly teamIds: readonly string[];
  readonly permissions: readonly string[];
  readonly status: InvitationStatus;
  readonly sendSequence: number;
  /** As recorded: set at creation, and again by each send, whose link lapses then. */
  readonly expiresAt: string;
  /**
   * What the status filters compare: when the sent link lapses, `NEVER_LAPSES` while it was never sent (R6: it waits to
   * be sent), the moment an expiry was recorded. Absent on documents projected before it was kept, until a rebuild.
   */
  readonly lapsesAt?: string;
  readonly invitedBy: string;
  /**
   * Who set its terms (the inviter, or the last to change them), whose right to give them an Admin's or a permission's
   * invitation lasts no longer than (R5). Absent on documents projected before it was kept, until a rebuild.
   */
  readonly grantedBy?: string;
  readonly createdAt: string;
  readonly acceptedBy?: string;
}

export interface AuditEventDoc {
  readonly _id: string;
  readonly revision: number;
  readonly orgId: string;
  readonly eventId: string;
  readonly type: string;
  readonly actorId: string;
  readonly actingVia?: string;
  readonly at: string;
  /** The instant its history had reached, where the event is stamped before it (old histories): its intervals' time. */
  readonly reachedAt?: string;
  readonly correlationId: string;
  readonly data: Readonly<Record<string, unknown>>;
  /**
   * Who the change is about or was made by (what the audit list's `userId` filter finds, as the audit CLI's `--user`
   * does): absent on documents projected before it was kept, until a rebuild.
   */
  readonly involves?: readonly string[];
}

/** R21: what one member was (role, permissions, teams) from one instant to the next change. */
export interface RoleIntervalDoc {
  readonly _id: string;
  readonly revision: number;
  readonly orgId: string;
  readonly userId: string;
  readonly role: Role;
  readonly permissions: readonly string[];
  /**
   * The member's own grants: the answer adds the role's defaults as recorded for the instant asked about (R21).
   * Absent from intervals projected before it was kept, which answer `permissions` as projected.
   */
  readonly granted?: readonly string[];
  readonly teams: readonly {
    readonly teamId: string;
    readonly name: string;
    readonly role: 'manager' | 'member';
  }[];
  readonly validFrom: string;
  /** Absent while it still holds. */
  readonly validTo?: string;
  readonly fromRevision: number;
}

/**
 * An address erased with its user (`erased-addresses.ts`), named by its keyed hash; `revision` is the erasure's time in
 * milliseconds, so a later erasure of the same address replaces it.
 */
export interface ErasedAddressDoc {
  readonly _id: string;
  readonly revision: number;
  readonly erasedAt: string;
}

/** Ids that sort by organization, then in stream order. */
export function orgScoped(orgId: string, ...parts: string[]): string {
  let id = orgId;
  for (const part of parts) id += `/${part}`;
  return id;
}
export const revisionKey = (revision: number) => String(revision).padStart(12, '0');
