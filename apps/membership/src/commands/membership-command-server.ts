import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  serveRequests,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { InvitationQueries } from '../invitations/invitation-queries';
import { OrganizationCommandHandler } from './organization-command-handler';

/** Serves `membership.commands.v1` (commands and the invitation query, request/reply) in the `membership` group. */
@Injectable()
export class MembershipCommandServer extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly handler: OrganizationCommandHandler,
    private readonly queries: InvitationQueries,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return serveRequests(this.bus, {
      groupId: 'membership',
      topic: TOPICS.membershipCommands,
      handler: (payload) =>
        isDescribeInvitation(payload) ? this.queries.describe(payload.token) : this.handler.handle(payload),
    });
  }
}

/** `{ query: 'DescribeInvitation', token }`: what an invitation link stands for (R5). */
function isDescribeInvitation(payload: unknown): payload is { query: 'DescribeInvitation'; token: unknown } {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    (payload as { query?: unknown }).query === 'DescribeInvitation'
  );
}
