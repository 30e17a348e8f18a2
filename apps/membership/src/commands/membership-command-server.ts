import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, serveRequests, type MessageBus, type Subscription } from '@app/messaging';
import { InvitationQueries } from '../invitations/invitation-queries';
import { OrganizationCommandHandler } from './organization-command-handler';

/** Serves `membership.commands.v1` (commands and the invitation query, request/reply) in the `membership` group. */
@Injectable()
export class MembershipCommandServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly handler: OrganizationCommandHandler,
    private readonly queries: InvitationQueries,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await serveRequests(this.bus, {
      groupId: 'membership',
      topic: TOPICS.membershipCommands,
      handler: (payload) =>
        isDescribeInvitation(payload) ? this.queries.describe(payload.token) : this.handler.handle(payload),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
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
