import { erasedValue } from '@app/personal-data';
import { orgScoped } from '../read-models/documents';
import { eraseInviteeInAuditEvents } from '../read-models/invitee-audit-erasure';
import { type ReadModels } from '../read-models/read-models';

/**
 * An erased invitee's address in the read models of an organization deleted since: it records no InviteeErased (a
 * deleted organization records nothing more), so its invitations, and their events in its audit list, are given here
 * what a replay of its history reads once the address's key is destroyed.
 */
export async function eraseInviteeCopiesOfDeleted(
  models: ReadModels,
  orgId: string,
  invitationIds: readonly string[],
  erasedKey: string,
): Promise<void> {
  for (const invitationId of invitationIds) {
    const invitation = await models.invitations.get(orgScoped(orgId, invitationId));
    if (!invitation) continue;
    const erased: Record<string, string> = {};
    for (const kind of ['email', 'phone'] as const)
      if (typeof invitation[kind] === 'string') erased[kind] = erasedValue(kind, erasedKey)!;
    if (Object.keys(erased).length > 0)
      await models.invitations.updateMany({ where: { _id: invitation._id } }, erased);
  }
  await eraseInviteeInAuditEvents(models, orgId, invitationIds, erasedKey);
}
