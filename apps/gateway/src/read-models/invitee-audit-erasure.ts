import { erasedValue } from '@app/personal-data';
import { findAll, type ReadModels } from './read-models';

/**
 * The organization's audit events about these invitations, with the invitee's address as a replay reads it once the
 * address's key is destroyed.
 */
export async function eraseInviteeInAuditEvents(
  models: ReadModels,
  orgId: string,
  invitationIds: readonly string[],
  erasedKey: string,
): Promise<void> {
  const where = { orgId, 'data.invitationId': { $in: [...invitationIds] } };
  for (const audit of await findAll(models.auditEvents, { where })) {
    let data = audit.data;
    for (const kind of ['email', 'phone'] as const)
      if (typeof data[kind] === 'string') data = withField(data, kind, erasedValue(kind, erasedKey));
    if (data !== audit.data) await models.auditEvents.updateMany({ where: { _id: audit._id } }, { data });
  }
}

export function withField(
  data: Readonly<Record<string, unknown>>,
  field: string,
  value: string | undefined,
): Record<string, unknown> {
  const { [field]: _replaced, ...rest } = data;
  return value === undefined ? rest : { ...rest, [field]: value };
}
