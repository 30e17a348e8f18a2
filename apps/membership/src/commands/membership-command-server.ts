import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { AggregateStore } from '@app/event-store';
import { MESSAGE_BUS, serveRequests, type MessageBus, type Subscription } from '@app/messaging';
import { OrganizationCommandHandler } from './organization-command-handler';

/** Serves `membership.commands.v1` (request/reply from the gateway) in the `membership` consumer group. */
@Injectable()
export class MembershipCommandServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;
  private readonly handler: OrganizationCommandHandler;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    store: AggregateStore,
  ) {
    this.handler = new OrganizationCommandHandler(store);
  }

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
