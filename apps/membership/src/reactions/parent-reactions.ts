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
import { trusted } from '../commands/membership-request';
import { SYSTEM_ACTOR } from '../organizations/organization.decider';
import { throwIfTransient } from './identity-reactions';

/** The changes in an organization that can take `customers.manage` away from someone there (R19). */
const STANDING_CHANGES = new Set([
  'membership.PermissionsRevoked.v1',
  'membership.MemberRoleChanged.v1',
  'membership.OwnershipTransferred.v1',
  'membership.MemberRemoved.v1',
  'membership.MemberLeft.v1',
]);

/**
 * R5, R19: a partner who sets an invitation's terms in a child as an Admin through the parent gives them only while
 * they hold `customers.manage` there. When the parent changes someone's standing, each of its children is asked to
 * revoke the pending invitations whose givers may no longer give them (`RecheckInvitations`), as the child's own
 * changes do. The command id derives from the event and the child, so a redelivered event changes nothing.
 */
@Injectable()
export class ParentReactions extends BusSubscriber {
  private readonly logger = new Logger(ParentReactions.name);

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly commands: OrganizationCommandHandler,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'membership.parent-reactions',
      topics: [TOPICS.membershipOrganizations],
      handler: (event) => this.react(event),
    });
  }

  private async react(event: EventEnvelope): Promise<void> {
    if (!STANDING_CHANGES.has(event.type)) return;
    for (const childOrgId of await this.commands.childrenOf(event.subject)) {
      const reply = await this.commands.execute(
        trusted({
          commandId: `${event.id}/recheck/${childOrgId}`,
          orgId: childOrgId,
          actorId: SYSTEM_ACTOR,
          causationId: event.id,
          ...(event.correlationid ? { correlationId: event.correlationid } : {}),
          command: { type: 'RecheckInvitations' },
        }),
      );
      if (!reply.ok && reply.error.code !== 'organization-deleted') {
        throwIfTransient(reply.error.code, `RecheckInvitations in ${childOrgId}`);
        this.logger.warn(`RecheckInvitations in ${childOrgId} refused: ${reply.error.code}`);
      }
    }
  }
}
