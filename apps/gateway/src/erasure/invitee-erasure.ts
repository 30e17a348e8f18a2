import { Inject, Injectable } from '@nestjs/common';
import { DomainError, isDomainError } from '@app/domain';
import { type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import { ReadYourWrites } from '../commands/read-your-writes';
import { WriteServices, type Requester } from '../commands/write-services';
import { READ_MODELS } from '../gateway.tokens';
import { findAll, type ReadModels } from '../read-models/read-models';
import { eraseInviteeCopiesOfDeleted } from './deleted-organization-copies';

export interface InviteeErased {
  readonly erasedKey: string;
  readonly organizations: { readonly orgId: string; readonly invitationIds: string[] }[];
}

/**
 * An operator erases a person known only by the address they were invited at. Every organization that invited that
 * address records InviteeErased (its pending invitations revoked), then the address's key is destroyed: what was
 * sealed with it reads as erased everywhere. An organization deleted since records nothing more: its read-model
 * copies are erased directly. A person with an account is erased by deleting it instead.
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
    // Nor one an account took by accepting an invitation, then changed: the address's key also seals that account's
    // history (how it joined), which is that person's to end by deleting the account; then the address can go here.
    const invitations = await findAll(this.models.invitations, { where: { [kind]: value } });
    for (const { acceptedBy } of invitations)
      if (acceptedBy !== undefined && (await this.models.users.get(acceptedBy)))
        throw new DomainError(
          'address-has-account',
          'conflict',
          'an account joined through an invitation to this address: the person deletes it first (DELETE /v1/me), then the address can be erased here',
          { field: kind },
        );
    const { vault, addresses } = this.personalData;
    const subject = addresses.of(kind, value);
    const retried =
      requester.commandId === undefined
        ? undefined
        : await this.earlierAttempt(subject, { ...requester, commandId: requester.commandId });
    const erasedKey = retried?.erasedKey ?? (await vault.liveGeneration(subject));
    const done = new Map(retried?.organizations.map((o) => [o.orgId, o.invitationIds]));
    // What invited the address: on a retry, only what was there when its first attempt erased (not what came since).
    const byOrganization = new Map<string, string[]>();
    for (const invitation of invitations)
      if (!done.has(invitation.orgId) && (!retried || invitation.createdAt < retried.at))
        byOrganization.set(invitation.orgId, [
          ...(byOrganization.get(invitation.orgId) ?? []),
          invitation.invitationId,
        ]);
    const deadline = Date.now() + this.freshness.boundMs;
    const deleted: [string, string[]][] = [];
    for (const [orgId, invitationIds] of byOrganization) {
      let result;
      try {
        result = await this.services.asOperator(
          orgId,
          { type: 'EraseInvitee', invitationIds, addressKey: erasedKey },
          // One command per organization: a retried request (same Idempotency-Key) is recognised in each.
          requester.commandId ? { ...requester, commandId: `${requester.commandId}/${orgId}` } : requester,
        );
      } catch (error) {
        if (!isDomainError(error) || error.code !== 'organization-deleted') throw error;
        // Once its read models hold its whole history: projecting its deletion rewrites its invitations.
        await this.freshness.organizationCaughtUp(orgId);
        await eraseInviteeCopiesOfDeleted(this.models, orgId, invitationIds, erasedKey);
        deleted.push([orgId, invitationIds]);
        continue;
      }
      // Answered once the read models show it (within one bound for all), where a retry looks for the first answer.
      await this.freshness.shown(orgId, result, deadline);
      done.set(orgId, invitationIds);
    }
    await vault.erase(erasedKey);
    // A copy projected meanwhile still opened the address: looked for once more, now that nothing can.
    for (const [orgId, invitationIds] of deleted)
      await eraseInviteeCopiesOfDeleted(this.models, orgId, invitationIds, erasedKey);
    const organizations = [...done]
      .map(([orgId, invitationIds]) => ({ orgId, invitationIds }))
      .sort((a, b) => (a.orgId < b.orgId ? -1 : 1));
    return { erasedKey, organizations };
  }

  /**
   * An earlier attempt of this request (same Idempotency-Key) that erased: the key it erased, when, and the
   * organizations that recorded it, found among the address's erased keys (newest first) by the organizations' own
   * record of the request. Without this, a retry would erase the address's next key, and with it an invitation sent to
   * the address since; with it, a retry after a partial failure finishes the first attempt's work under its key.
   */
  private async earlierAttempt(
    subject: string,
    requester: Requester & { commandId: string },
  ): Promise<(InviteeErased & { at: string }) | undefined> {
    for (const erasedKey of (await this.personalData.vault.erasedGenerations(subject)).reverse()) {
      const erasures = await findAll(this.models.auditEvents, {
        where: {
          'data.erasedKeys': erasedKey,
          type: 'InviteeErased',
          ...(requester.actorId ? { actorId: requester.actorId } : {}),
        },
      });
      const recorded = await Promise.all(
        erasures.map(async ({ orgId, data, at }) => {
          const invitationIds = data.invitationIds as string[];
          const command = { type: 'EraseInvitee', invitationIds, addressKey: erasedKey };
          const commandId = `${requester.commandId}/${orgId}`;
          const mine = await this.services.recordedForOperator(orgId, command, { ...requester, commandId });
          return mine ? { orgId, invitationIds, at } : undefined;
        }),
      );
      const organizations = recorded.filter((o) => o !== undefined);
      if (organizations.length > 0)
        return {
          erasedKey,
          at: organizations.map((o) => o.at).sort()[0]!,
          organizations: organizations.map(({ orgId, invitationIds }) => ({ orgId, invitationIds })),
        };
    }
    return undefined;
  }
}
