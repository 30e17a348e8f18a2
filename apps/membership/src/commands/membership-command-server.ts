import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, serveRequests, type MessageBus, type Subscription } from '@app/messaging';
import { OrganizationCommandHandler } from './organization-command-handler';

/** Serves `membership.commands.v1` (request/reply from the gateway) in the `membership` consumer group. */
@Injectable()
export class MembershipCommandServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly handler: OrganizationCommandHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await serveRequests(this.bus, {
      groupId: 'membership',
      topic: TOPICS.membershipCommands,
      handler: (payload) => this.handler.handle(payload),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
