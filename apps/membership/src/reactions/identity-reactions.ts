import { Inject, Injectable, Logger } from '@nestjs/common';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  subscribeToEvents,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { OrganizationCommandHandler } from '../commands/organization-command-handler';
import { MembershipIndexes } from '../indexes/membership-indexes';
import { trusted } from '../commands/membership-request';
import { deletionConfirms, type AccountDeletion } from '../commands/account-deleted';
import { runSystemCommand, throwIfTransient } from './system-command';

/**
 * Membership's reactions to identity events. Each reaction's command id derives from the event id (and the
 * organization), so a redelivered event changes nothing.
 * - R10: a deleted user leaves every organization; the organizations they own are deleted (identity publishes an
 *   owner's deletion only with their confirmation).
 * - R16/R18: a verified address auto-joins the organization that claimed its domain with auto-join on.
 * - R5: a user who registered from an invitation link accepts that invitation.
 */
@Injectable()
export class IdentityReactions extends BusSubscriber {
  private readonly logger = new Logger(IdentityReactions.name);

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly commands: OrganizationCommandHandler,
    private readonly indexes: MembershipIndexes,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'membership.identity-reactions',
      topics: [TOPICS.identityUsers],
      handler: (event) => this.react(event),
    });
  }

  private react(event: EventEnvelope): Promise<void> {
    switch (event.type) {
      case 'identity.EmailVerified.v1':
        return this.autoJoin(event);
      case 'identity.UserRegistered.v1':
        return this.acceptRegisteredInvitation(event);
      case 'identity.UserDeleted.v1':
        return this.removeDeletedUser(event);
      default:
        return Promise.resolve();
    }
  }

  private async autoJoin(event: EventEnvelope): Promise<void> {
    const { userId, email, at } = event.data as { userId: string; email: string; at: string };
    const domain = email.split('@')[1]?.toLowerCase();
    const orgId = domain ? await this.commands.organizationClaiming(domain) : undefined;
    if (!orgId) return;
    await this.system(event, orgId, `${event.id}/auto-join`, {
      type: 'AutoJoinMember',
      userId,
      email,
      verifiedAt: new Date(at).toISOString(),
    });
  }

  private async acceptRegisteredInvitation(event: EventEnvelope): Promise<void> {
    const { userId, email, phone, invitation, at } = event.data as {
      userId: string;
      email: string;
      phone?: string;
      invitation?: { orgId: string; invitationId: string; sendSequence: number };
      at: string;
    };
    if (!invitation) return;
    const reply = await this.commands.execute(
      trusted({
        commandId: `${event.id}/accept`,
        orgId: invitation.orgId,
        actorId: userId,
        causationId: event.id,
        ...(event.correlationid ? { correlationId: event.correlationid } : {}),
        command: {
          type: 'AcceptInvitation',
          invitationId: invitation.invitationId,
          sendSequence: invitation.sendSequence,
          userId,
          email,
          ...(phone ? { phone } : {}),
          registeredAt: new Date(at).toISOString(),
        },
      }),
    );
    if (!reply.ok) {
      throwIfTransient(reply.error.code, `accepting invitation ${invitation.invitationId}`);
      this.logger.warn(`invitation ${invitation.invitationId} not accepted: ${reply.error.code}`);
    }
  }

  /** The index lags the event store a little: it must have read everything that exists now before it is used. */
  private async removeDeletedUser(event: EventEnvelope): Promise<void> {
    await this.indexes.catchUp();
    const { userId, ...deletion } = event.data as AccountDeletion & { userId: string };
    // The owner confirmed deleting the organizations identity named, no other: one that became theirs after (an
    // ownership transferred to them meanwhile) goes to a successor instead.
    for (const orgId of this.indexes.memberships.organizationsOf(userId)) {
      await this.system(event, orgId, `${event.id}/${orgId}`, {
        type: 'RemoveDeletedUser',
        userId,
        ownedOrganizationsConfirmed: deletionConfirms(deletion, orgId),
      });
    }
  }

  private system(
    event: EventEnvelope,
    orgId: string,
    commandId: string,
    command: Record<string, unknown> & { type: string },
  ): Promise<void> {
    return runSystemCommand(this.commands, this.logger, event, orgId, commandId, command);
  }
}
