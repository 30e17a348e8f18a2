import { erasedValue } from '@app/personal-data';
import { orgScoped } from '../read-models/documents';
import { withField } from '../read-models/projector';
import { findAll, type ReadModels } from '../read-models/read-models';

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
  const where = { orgId, 'data.invitationId': { $in: [...invitationIds] } };
  for (const audit of await findAll(models.auditEvents, { where })) {
    let data = audit.data;
    for (const kind of ['email', 'phone'] as const)
      if (typeof data[kind] === 'string') data = withField(data, kind, erasedValue(kind, erasedKey));
    if (data !== audit.data) await models.auditEvents.updateMany({ where: { _id: audit._id } }, { data });
  }
}
