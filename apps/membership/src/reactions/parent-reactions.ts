import { Inject, Injectable, Logger } from '@nestjs/common';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REACTION_GATHER_MS,
  subscribeToEvents,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { rankOf, type Role } from '@app/permissions';
import { OrganizationCommandHandler } from '../commands/organization-command-handler';
import { runSystemCommand } from './system-command';

/**
 * Whether an organization's event can take `customers.manage` away from someone there (R19): a departure, a
 * demotion (an Owner's transfer is one), or a revocation that names it (a grant left without its prerequisite by a
 * role change is revoked by name, and revoking a prerequisite it still needs is refused, R20). A promotion, a grant or
 * another revocation cannot.
 */
export function mayTakeCustomersManage(event: EventEnvelope): boolean {
  const data = event.data as { from?: Role; to?: Role; permissions?: readonly string[] };
  switch (event.type) {
    case 'membership.MemberRemoved.v1':
    case 'membership.MemberLeft.v1':
    case 'membership.OwnershipTransferred.v1':
      return true;
    case 'membership.MemberRoleChanged.v1':
      return data.from !== undefined && data.to !== undefined && rankOf(data.to) < rankOf(data.from);
    case 'membership.PermissionsRevoked.v1':
      return data.permissions?.includes('customers.manage') === true;
    default:
      return false;
  }
}

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
      gatherMs: REACTION_GATHER_MS,
      topics: [TOPICS.membershipOrganizations],
      // Started where the topic is when first deployed: a loss recorded before is refused at sending or accepting.
      fromBeginning: false,
      handler: (event) => this.react(event),
    });
  }

  private async react(event: EventEnvelope): Promise<void> {
    if (!mayTakeCustomersManage(event)) return;
    for (const childOrgId of await this.commands.childrenOf(event.subject))
      await runSystemCommand(
        this.commands,
        this.logger,
        event,
        childOrgId,
        `${event.id}/recheck/${childOrgId}`,
        {
          type: 'RecheckInvitations',
        },
      );
  }
}
