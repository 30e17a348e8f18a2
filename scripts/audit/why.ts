import { effectivePermissions, type PermissionsCatalog } from '@app/permissions';
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
  | { readonly held: false; readonly why: string; readonly chain: Reason[] };

const reasonOf = (record: OrganizationRecord, says: string): Reason => ({
  revision: record.revision.toString(),
  at: (record.event.data as { at: string }).at,
  change: record.event.type,
  actor: record.metadata.actor,
  says,
});

/**
 * Why `userId` holds `permission` in an organization at `instant` (the end of the history by default): the events
 * that made them a member, set their role, and granted the permission (or the role that holds it by default). For
 * someone who is no member, R19: the parent link, then the same explanation of `customers.manage` in the parent
 * (`parent` explains it), which makes them act as an Admin.
 */
export async function explainPermission(options: {
  readonly history: Iterable<OrganizationRecord>;
  readonly userId: string;
  readonly permission: string;
  readonly instant?: Date;
  readonly catalog: PermissionsCatalog;
  readonly parent?: (parentOrgId: string) => Promise<Explanation>;
}): Promise<Explanation> {
  const { userId, permission, catalog } = options;
  const until = options.instant?.getTime() ?? Infinity;
  let state: OrganizationState = initialOrganizationState();
  let membership: Reason | undefined;
  let role: Reason | undefined;
  let grant: Reason | undefined;
  let parentLink: Reason | undefined;
  let recordedAt = -Infinity;
  for (const record of options.history) {
    const data = record.event.data as unknown as Record<string, unknown>;
    recordedAt = Math.max(recordedAt, Date.parse(String(data.at)));
    if (recordedAt > until) break;
    state = evolveOrganization(state, record.event);
    const about = (id: unknown) => id === userId;
    switch (record.event.type) {
      case 'OrganizationCreated':
        if (about(data.ownerId)) role = membership = reasonOf(record, 'created the organization: Owner');
        break;
      case 'MemberJoined':
        if (about(data.userId)) {
          membership = reasonOf(record, `joined via ${String(data.via)}`);
          role = reasonOf(record, `role ${String(data.role)}`);
          grant = undefined;
        }
        break;
      case 'MemberRoleChanged':
        if (about(data.userId)) role = reasonOf(record, `role ${String(data.from)} -> ${String(data.to)}`);
        break;
      case 'OwnershipTransferred':
        if (about(data.to)) role = reasonOf(record, 'ownership transferred to them: Owner');
        else if (about(data.from)) role = reasonOf(record, 'ownership transferred away: Admin');
        break;
      case 'PermissionsGranted':
        if (about(data.userId) && (data.permissions as string[]).includes(permission))
          grant = reasonOf(record, `granted ${permission}`);
        break;
      case 'PermissionsRevoked':
        if (about(data.userId) && (data.permissions as string[]).includes(permission)) grant = undefined;
        break;
      case 'MemberRemoved':
      case 'MemberLeft':
        if (about(data.userId)) membership = role = grant = undefined;
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
  const member = state.members.get(userId);
  if (member) {
    const byRole = catalog.roleDefaults.get(member.role)?.has(permission) ?? false;
    const held = effectivePermissions(catalog, member.role, member.granted).has(permission);
    const chain = [membership, role].filter((r): r is Reason => r !== undefined);
    if (!held)
      return {
        held: false,
        why: `role ${member.role} does not hold it by default and it is not granted`,
        chain,
      };
    if (byRole)
      chain.push({ ...chain[chain.length - 1]!, says: `role ${member.role} holds ${permission} by default` });
    else if (grant) chain.push(grant);
    return { held: true, via: 'member', chain };
  }
  if (state.parentOrgId && parentLink && options.parent) {
    const admin = catalog.roleDefaults.get('admin')?.has(permission) ?? false;
    const upstream = await options.parent(state.parentOrgId);
    if (upstream.held && admin) return { held: true, via: 'parent', chain: [parentLink, ...upstream.chain] };
    return {
      held: false,
      why: upstream.held
        ? `acting as Admin through the parent, and Admins do not hold ${permission}`
        : 'not a member, and not acting through the parent',
      chain: upstream.held ? [parentLink, ...upstream.chain] : [],
    };
  }
  return { held: false, why: 'not a member', chain: [] };
}
