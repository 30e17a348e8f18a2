import { effectivePermissions, rankOf, type PermissionsCatalog } from '@app/permissions';
import {
  evolveOrganization,
  initialOrganizationState,
  type OrganizationState,
} from '../../apps/membership/src/organizations/organization.state';
import { type OrganizationRecord } from './organization-stream';

/** One link of the explanation: the event and what it contributes. */
export interface Reason {
  readonly revision: string;
  readonly at: string;
  readonly change: string;
  readonly actor: string;
  readonly says: string;
}

export type Explanation =
  | { readonly held: true; readonly via: 'member' | 'parent'; readonly chain: Reason[] }
  | {
      readonly held: false;
      readonly why: string;
      readonly chain: Reason[];
      /** Explained as a parent (`listingChild`) that does not list the child: no R19 rights there at all. */
      readonly unlisted?: true;
    };

const reasonOf = (record: OrganizationRecord, says: string): Reason => {
  const data = record.event.data as { at: string; actorId?: unknown };
  return {
    revision: record.revision.toString(),
    at: data.at,
    change: record.event.type,
    // Who is responsible: an invitation's grants are the inviter's, though the invitee's acceptance appends them.
    actor: typeof data.actorId === 'string' ? data.actorId : record.metadata.actor,
    says,
  };
};

/**
 * When the role defaults cited were recorded. Before the first record the first is the best known: said so, rather
 * than a later date cited as proof.
 */
export function whenRecorded(since: string, instant: Date | undefined): string {
  return instant && Date.parse(since) > instant.getTime()
    ? `${since}, the first record; earlier ones are unknown`
    : since;
}

/**
 * Why `userId` holds `permission` in an organization at `instant` (the end of the history by default): the events
 * that made them a member (with the invitation they accepted), set their role, and granted the permission (or the
 * role that holds it by default). R19: someone who is no Owner or Admin here acts as an Admin when the parent linked
 * at that instant counts them as a member holding `customers.manage` (`parent` explains that, as a member of the
 * parent only: rights do not pass through a grandparent).
 */
export async function explainPermission(options: {
  readonly history: Iterable<OrganizationRecord>;
  readonly userId: string;
  readonly permission: string;
  readonly instant?: Date;
  readonly catalog: PermissionsCatalog;
  /** When membership recorded the role defaults `catalog` has (R21): cited for a permission a role holds by default. */
  readonly defaultsRecordedAt?: string;
  /** R19: explains `customers.manage` in the parent of `childOrgId` (`listingChild`), one level up. */
  readonly parent?: (parentOrgId: string, childOrgId: string) => Promise<Explanation>;
  /**
   * Explained as the parent of this child (R19): the permission counts there only while this organization lists the
   * child too. A link half made, or half undone (one side recorded), gives nobody anything, as membership decides.
   */
  readonly listingChild?: string;
}): Promise<Explanation> {
  const { userId, permission, catalog } = options;
  const until = options.instant?.getTime() ?? Infinity;
  let state: OrganizationState = initialOrganizationState();
  /** How they joined (with the invitation accepted); `role` is that join, or the change of role since. */
  let membership: Reason[] = [];
  let role: Reason | undefined;
  let grant: Reason | undefined;
  /** What took it away last: the permission revoked, or the membership ended (cited when it is not held). */
  let revoked: Reason | undefined;
  let left: Reason | undefined;
  let parentLink: Reason | undefined;
  /** Each invitation's creation and the changes after it: who set the terms the invitee accepted. */
  const invitations = new Map<string, Reason[]>();
  let accepted: { reason: Reason; commandId: string; invitationId: string } | undefined;
  let recordedAt = -Infinity;
  for (const record of options.history) {
    const data = record.event.data as unknown as Record<string, unknown>;
    recordedAt = Math.max(recordedAt, Date.parse(String(data.at)));
    if (recordedAt > until) break;
    state = evolveOrganization(state, record.event);
    const about = (id: unknown) => id === userId;
    const holdsNow = () => {
      const member = state.status === 'active' ? state.members.get(userId) : undefined;
      return (
        member !== undefined && effectivePermissions(catalog, member.role, member.granted).has(permission)
      );
    };
    switch (record.event.type) {
      case 'OrganizationCreated':
        if (about(data.ownerId)) {
          role = reasonOf(record, 'created the organization: Owner');
          membership = [role];
        }
        break;
      case 'InvitationCreated':
      case 'InvitationChanged': {
        const granted = data.permissions as string[];
        const id = String(data.invitationId);
        const terms = `as ${String(data.role)}${granted.length ? ` with ${granted.join(' ')}` : ''}`;
        const reason = reasonOf(
          record,
          record.event.type === 'InvitationCreated'
            ? `invitation ${id} ${terms}`
            : `invitation ${id} changed: ${terms}`,
        );
        invitations.set(id, [
          ...(record.event.type === 'InvitationCreated' ? [] : (invitations.get(id) ?? [])),
          reason,
        ]);
        break;
      }
      case 'InvitationAccepted':
        if (about(data.userId))
          accepted = {
            reason: reasonOf(record, `accepted invitation ${String(data.invitationId)}`),
            commandId: record.metadata.commandId,
            invitationId: String(data.invitationId),
          };
        break;
      case 'MemberJoined':
        if (about(data.userId)) {
          const invitation =
            data.via === 'invitation' && accepted ? invitations.get(accepted.invitationId) : undefined;
          role = reasonOf(record, `joined via ${String(data.via)} as ${String(data.role)}`);
          membership = [...(invitation && accepted ? [...invitation, accepted.reason] : []), role];
          grant = revoked = left = undefined;
        }
        break;
      case 'MemberRoleChanged':
        if (about(data.userId)) {
          role = reasonOf(record, `role ${String(data.from)} -> ${String(data.to)}`);
          // A revocation before a change of role is no longer what decides: the role now is.
          revoked = undefined;
        }
        break;
      case 'OwnershipTransferred':
        if (about(data.to)) role = reasonOf(record, 'ownership transferred to them: Owner');
        else if (about(data.from)) role = reasonOf(record, 'ownership transferred away: Admin');
        if (about(data.to) || about(data.from)) revoked = undefined;
        break;
      case 'PermissionsGranted':
        if (about(data.userId) && (data.permissions as string[]).includes(permission)) {
          grant = reasonOf(
            record,
            accepted?.commandId === record.metadata.commandId
              ? `granted ${permission} through invitation ${accepted.invitationId}`
              : `granted ${permission}`,
          );
          revoked = undefined;
        }
        break;
      case 'PermissionsRevoked':
        if (about(data.userId) && (data.permissions as string[]).includes(permission)) {
          grant = undefined;
          // Cited only when it took the permission away (their role may hold it by default).
          revoked = holdsNow() ? undefined : reasonOf(record, `revoked ${permission}`);
        }
        break;
      case 'MemberRemoved':
      case 'MemberLeft':
        if (about(data.userId)) {
          membership = [];
          role = grant = revoked = undefined;
          left = reasonOf(record, record.event.type === 'MemberRemoved' ? 'removed' : 'left');
        }
        break;
      case 'ParentOrganizationLinked':
        parentLink = reasonOf(
          record,
          `parent ${String(data.parentOrgId)} linked: its customers.manage act as Admin here`,
        );
        break;
      case 'ParentOrganizationUnlinked':
        parentLink = undefined;
        break;
    }
  }
  if (state.status !== 'active')
    return { held: false, why: 'the organization does not exist (yet, or any more)', chain: [] };
  if (options.listingChild !== undefined && !state.childOrgIds.has(options.listingChild))
    return {
      held: false,
      why: `does not list as its child ${options.listingChild}`,
      chain: [],
      unlisted: true,
    };
  const member = state.members.get(userId);
  const memberChain = [...membership, ...(role && role !== membership[membership.length - 1] ? [role] : [])];
  if (member && effectivePermissions(catalog, member.role, member.granted).has(permission)) {
    const chain = [...memberChain];
    const last = chain[chain.length - 1];
    if (last && catalog.roleDefaults.get(member.role)?.has(permission))
      chain[chain.length - 1] = {
        ...last,
        says: `${last.says}; role ${member.role} holds ${permission} by default${
          options.defaultsRecordedAt ? ` (role defaults recorded ${options.defaultsRecordedAt})` : ''
        }`,
      };
    else if (grant) chain.push(grant);
    return { held: true, via: 'member', chain };
  }
  const notHeld = member
    ? `role ${member.role} does not hold it by default and it is not granted`
    : 'not a member';
  // Not held: how they stand, and the event that took it away (a revocation, their removal or leaving).
  const lostChain = member ? [...memberChain, ...(revoked ? [revoked] : [])] : left ? [left] : [];
  // R19: an Owner or Admin here acts in their own right; anyone else may act as an Admin through the parent.
  if (
    (member && rankOf(member.role) >= rankOf('admin')) ||
    !state.parentOrgId ||
    !parentLink ||
    !options.parent
  )
    return { held: false, why: notHeld, chain: lostChain };
  const upstream = await options.parent(state.parentOrgId, state.orgId);
  const asAdmin = effectivePermissions(catalog, 'admin', member?.granted ?? new Set()).has(permission);
  if (upstream.held && upstream.via === 'member' && asAdmin)
    return { held: true, via: 'parent', chain: [parentLink, ...upstream.chain] };
  return {
    held: false,
    why:
      upstream.held && upstream.via === 'member'
        ? `${notHeld}; acting as Admin through the parent, and Admins do not hold ${permission}`
        : !upstream.held && upstream.unlisted
          ? `${notHeld}, and the parent ${state.parentOrgId} ${upstream.why} (a link recorded on one side only gives nothing, R19)`
          : `${notHeld}, and not a member holding customers.manage in the parent ${state.parentOrgId}`,
    chain: lostChain,
  };
}
