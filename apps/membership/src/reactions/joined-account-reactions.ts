import { Inject, Injectable } from '@nestjs/common';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REACTION_GATHER_MS,
  subscribeToEvents,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { OrganizationCommandHandler } from '../commands/organization-command-handler';

/** The account an organization's event makes a member or its Owner, if it makes one (R1, R10). */
export function accountJoinedBy(event: EventEnvelope): string | undefined {
  const data = event.data as { ownerId?: string; userId?: string; to?: string };
  switch (event.type) {
    case 'membership.OrganizationCreated.v1':
      return data.ownerId;
    case 'membership.MemberJoined.v1':
      return data.userId;
    case 'membership.OwnershipTransferred.v1':
      return data.to;
    default:
      return undefined;
  }
}

/**
 * R1, R10: a command that makes an account a member or an Owner looks, once recorded, whether the account was
 * deleted meanwhile, and takes it out if so; a process that stopped between the two left it in. So each such event,
 * as published, is looked at once more here: the relay publishes what was recorded whatever happened to the process,
 * and the bus delivers it until handled. The command id derives from the event, so a redelivery changes nothing, and
 * a deletion's own reaction and this one, whichever comes second, find nothing left to do.
 */
@Injectable()
export class JoinedAccountReactions extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly commands: OrganizationCommandHandler,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'membership.joined-account-reactions',
      gatherMs: REACTION_GATHER_MS,
      topics: [TOPICS.membershipOrganizations],
      // From the topic's start where the group has no position (first deployed, or a partition it has handled nothing
      // on yet): an account still there is one event-store read, and one taken out already is a no-op.
      fromBeginning: true,
      handler: (event) => this.react(event),
    });
  }

  private async react(event: EventEnvelope): Promise<void> {
    const userId = accountJoinedBy(event);
    if (userId === undefined) return;
    await this.commands.takeOutIfDeleted(userId, {
      orgId: event.subject,
      commandId: event.id,
      ...(event.correlationid ? { correlationId: event.correlationid } : {}),
    });
  }
}
