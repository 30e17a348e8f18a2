import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import { ReadYourWrites } from '../commands/read-your-writes';
import { WriteServices, type Requester } from '../commands/write-services';
import { READ_MODELS } from '../gateway.tokens';
import { findAll, type ReadModels } from '../read-models/read-models';

export interface InviteeErased {
  readonly erasedKey: string;
  readonly organizations: { readonly orgId: string; readonly invitationIds: string[] }[];
}

/**
 * An operator erases a person known only by the address they were invited at. Every organization that invited that
 * address records InviteeErased (its pending invitations revoked), then the address's key is destroyed: what was
 * sealed with it reads as erased everywhere. A person with an account is erased by deleting it instead.
 */
@Injectable()
export class InviteeErasure {
  constructor(
    @Inject(READ_MODELS) private readonly models: ReadModels,
    @Inject(PERSONAL_DATA) private readonly personalData: PersonalData,
    private readonly services: WriteServices,
    private readonly freshness: ReadYourWrites,
  ) {}

  async erase(address: { email?: string; phone?: string }, requester: Requester): Promise<InviteeErased> {
    const [kind, value] = address.email
      ? (['email', address.email.trim().toLowerCase()] as const)
      : (['phone', address.phone!] as const);
    if ((await findAll(this.models.users, { where: { [kind]: value } })).length > 0)
      throw new DomainError(
        'address-has-account',
        'conflict',
        'this address belongs to an account: the person deletes it (DELETE /v1/me), which erases them',
        { field: kind },
      );
    const { vault, addresses } = this.personalData;
    const subject = addresses.of(kind, value);
    if (requester.commandId !== undefined) {
      const first = await this.firstAnswer(subject, { ...requester, commandId: requester.commandId });
      if (first) return first;
    }
    const erasedKey = await vault.liveGeneration(subject);
    const byOrganization = new Map<string, string[]>();
    for (const invitation of await findAll(this.models.invitations, { where: { [kind]: value } }))
      byOrganization.set(invitation.orgId, [
        ...(byOrganization.get(invitation.orgId) ?? []),
        invitation.invitationId,
      ]);
    const organizations = [...byOrganization].map(([orgId, invitationIds]) => ({ orgId, invitationIds }));
    for (const { orgId, invitationIds } of organizations) {
      const result = await this.services.asOperator(
        orgId,
        { type: 'EraseInvitee', invitationIds, addressKey: erasedKey },
        // One command per organization: a retried request (same Idempotency-Key) is recognised in each.
        requester.commandId ? { ...requester, commandId: `${requester.commandId}/${orgId}` } : requester,
      );
      // Answered once the read models show it (within the bound), where a retry looks for the first answer.
      await this.freshness.shown(orgId, result);
    }
    await vault.erase(erasedKey);
    return { erasedKey, organizations };
  }

  /**
   * A retry (same Idempotency-Key) of an erasure that went through: the key it erased and the organizations that
   * recorded it, as the first answer said, found among the address's erased keys (newest first) by the organizations'
   * own record of the request. Without this, a retry would erase the address's next key, and with it an invitation
   * sent to the address since.
   */
  private async firstAnswer(
    subject: string,
    requester: Requester & { commandId: string },
  ): Promise<InviteeErased | undefined> {
    for (const erasedKey of (await this.personalData.vault.erasedGenerations(subject)).reverse()) {
      const erasures = await findAll(this.models.auditEvents, {
        where: { 'data.erasedKeys': erasedKey, type: 'InviteeErased' },
      });
      const organizations: InviteeErased['organizations'] = [];
      for (const { orgId, data } of erasures) {
        const invitationIds = data.invitationIds as string[];
        const command = { type: 'EraseInvitee', invitationIds, addressKey: erasedKey };
        if (
          await this.services.recordedForOperator(orgId, command, {
            ...requester,
            commandId: `${requester.commandId}/${orgId}`,
          })
        )
          organizations.push({ orgId, invitationIds });
      }
      if (organizations.length > 0) return { erasedKey, organizations };
    }
    return undefined;
  }
}
