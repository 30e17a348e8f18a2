import { erasedValue } from '@app/personal-data';
import { type ReadModels } from './read-models';

/**
 * The organization's audit events about these invitations, with the invitee's address as a replay reads it once the
 * address's key is destroyed. One update by filter per kind, not a read and a write per event: the audit list is
 * write-only while a rebuild or a first fill projects (nothing to read back), and such an update still reaches it.
 */
export async function eraseInviteeInAuditEvents(
  models: ReadModels,
  orgId: string,
  invitationIds: readonly string[],
  erasedKey: string,
): Promise<void> {
  for (const kind of ['email', 'phone'] as const)
    await models.auditEvents.updateMany(
      { where: { orgId, 'data.invitationId': { $in: [...invitationIds] }, [`data.${kind}`]: { $ne: null } } },
      { [`data.${kind}`]: erasedValue(kind, erasedKey) },
    );
}

export function withField(
  data: Readonly<Record<string, unknown>>,
  field: string,
  value: string | undefined,
): Record<string, unknown> {
  const { [field]: _replaced, ...rest } = data;
  return value === undefined ? rest : { ...rest, [field]: value };
}
