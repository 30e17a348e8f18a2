import {
  evolveOrganization,
  initialOrganizationState,
  type OrganizationState,
} from '../../apps/membership/src/organizations/organization.state';
import { type OrganizationRecord } from './organization-stream';

/** One change of membership, role, permission, team, ownership or hierarchy, as an auditor reads it. */
export interface HistoryRow {
  readonly revision: number;
  readonly at: string;
  readonly change: string;
  /** The member the change is about, when it is about one. */
  readonly user: string;
  readonly detail: string;
  readonly actor: string;
  /** R19: the parent organization the actor acted through. */
  readonly actingVia: string;
  readonly correlationId: string;
  readonly commandId: string;
}

type Data = Record<string, unknown>;
const list = (v: unknown) => (Array.isArray(v) ? v.join(' ') : '');

/** What each audited event says, as [user, detail]; events not listed (settings, availability ...) are not shown. */
const DESCRIBE: Record<string, (d: Data) => [string, string]> = {
  OrganizationCreated: (d) => [String(d.ownerId), `created "${String(d.name)}", owner`],
  MemberJoined: (d) => [String(d.userId), `joined as ${String(d.role)} via ${String(d.via)}`],
  MemberRoleChanged: (d) => [String(d.userId), `role ${String(d.from)} -> ${String(d.to)}`],
  OwnershipTransferred: (d) => [String(d.to), `ownership from ${String(d.from)}`],
  PermissionsGranted: (d) => [String(d.userId), `granted ${list(d.permissions)}`],
  PermissionsRevoked: (d) => [String(d.userId), `revoked ${list(d.permissions)}`],
  MemberRemoved: (d) => [String(d.userId), 'removed'],
  MemberLeft: (d) => [String(d.userId), 'left'],
  TeamCreated: (d) => ['', `team ${String(d.teamId)} "${String(d.name)}" created`],
  TeamRenamed: (d) => ['', `team ${String(d.teamId)} renamed "${String(d.name)}"`],
  TeamDeleted: (d) => ['', `team ${String(d.teamId)} deleted`],
  TeamMemberAdded: (d) => [String(d.userId), `added to team ${String(d.teamId)} as ${String(d.role)}`],
  TeamMemberRemoved: (d) => [String(d.userId), `removed from team ${String(d.teamId)}`],
  InvitationCreated: (d) => [
    '',
    `invitation ${String(d.invitationId)} as ${String(d.role)} ${list(d.permissions)}`.trim(),
  ],
  InvitationChanged: (d) => [
    '',
    `invitation ${String(d.invitationId)} now ${String(d.role)} ${list(d.permissions)}`.trim(),
  ],
  InvitationAccepted: (d) => [String(d.userId), `accepted invitation ${String(d.invitationId)}`],
  InvitationRevoked: (d) => ['', `invitation ${String(d.invitationId)} revoked`],
  ParentOrganizationLinked: (d) => [
    '',
    `parent ${String(d.parentOrgId)} linked (its customers.manage act as Admin)`,
  ],
  ParentOrganizationUnlinked: (d) => ['', `parent ${String(d.parentOrgId)} unlinked`],
  ChildOrganizationLinked: (d) => ['', `child ${String(d.childOrgId)} linked`],
  ChildOrganizationUnlinked: (d) => ['', `child ${String(d.childOrgId)} unlinked`],
  OrganizationDeleted: (d) =>
    d.reason === 'owner-account-deleted'
      ? [String(d.ownerId), 'organization deleted with its Owner’s account (R10)']
      : ['', 'organization deleted'],
};

export function historyRowOf(record: OrganizationRecord): HistoryRow | undefined {
  const describe = DESCRIBE[record.event.type];
  if (!describe) return undefined;
  const data = record.event.data as unknown as Data;
  const [user, detail] = describe(data);
  return {
    revision: Number(record.revision),
    at: String(data.at),
    change: record.event.type,
    user,
    detail,
    // The decider names who is responsible in the event when it is not the caller (an invitation's grants are the
    // inviter's, though the invitee's acceptance appends them).
    actor: typeof data.actorId === 'string' ? data.actorId : record.metadata.actor,
    // Through which parent that actor acted (R19): the event's own word when it names someone else than the caller.
    actingVia:
      typeof data.actorId === 'string' && data.actorId !== record.metadata.actor
        ? typeof data.actingVia === 'string'
          ? data.actingVia
          : ''
        : (record.metadata.actingVia ?? ''),
    correlationId: record.metadata.correlationId,
    commandId: record.metadata.commandId,
  };
}

export interface HistoryFilter {
  readonly from?: Date;
  readonly to?: Date;
  /** Changes about this user, or made by them. */
  readonly user?: string;
}

/**
 * The rows of an organization's history that `filter` keeps, oldest first. With `user`, the organization is folded
 * along the way: deleting a team is about each of its members then, deleting the organization about every member.
 */
export async function* historyRows(
  records: AsyncIterable<OrganizationRecord> | Iterable<OrganizationRecord>,
  filter: HistoryFilter,
): AsyncGenerator<HistoryRow> {
  let before: OrganizationState = initialOrganizationState();
  for await (const record of records) {
    const row = historyRowOf(record);
    if (row && inFilter(row, filter, record, before)) yield row;
    if (filter.user) before = evolveOrganization(before, record.event);
  }
}

/** `before`: the organization as it was before `record`, when known. */
export function inFilter(
  row: HistoryRow,
  filter: HistoryFilter,
  record?: OrganizationRecord,
  before?: OrganizationState,
): boolean {
  const at = Date.parse(row.at);
  if (filter.from && at < filter.from.getTime()) return false;
  if (filter.to && at > filter.to.getTime()) return false;
  if (
    filter.user &&
    row.user !== filter.user &&
    row.actor !== filter.user &&
    !alsoAbout(record, filter.user, before)
  )
    return false;
  return true;
}

/**
 * A change about more people than the one it names: an ownership transfer is about the Owner who gave it up as much
 * as the new one; a deleted team ends its members' places in it, a deleted organization every membership.
 */
function alsoAbout(
  record: OrganizationRecord | undefined,
  userId: string,
  before: OrganizationState | undefined,
): boolean {
  const data = record?.event.data as Record<string, unknown> | undefined;
  const org = before?.status === 'none' ? undefined : before;
  switch (record?.event.type) {
    case 'OwnershipTransferred':
      return data!.from === userId;
    case 'TeamDeleted':
      return org?.teams.get(String(data!.teamId))?.members.has(userId) ?? false;
    case 'OrganizationDeleted':
      return org?.members.has(userId) ?? false;
    default:
      return false;
  }
}

export const HISTORY_COLUMNS: readonly (keyof HistoryRow)[] = [
  'revision',
  'at',
  'change',
  'user',
  'detail',
  'actor',
  'actingVia',
  'correlationId',
  'commandId',
];
