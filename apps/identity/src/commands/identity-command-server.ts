import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, serveRequests, type MessageBus, type Subscription } from '@app/messaging';
import { IdentityCommandHandler } from './identity-command-handler';

/** Serves `identity.commands.v1` (request/reply from the gateway and other services) in the `identity` group. */
@Injectable()
export class IdentityCommandServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly handler: IdentityCommandHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await serveRequests(this.bus, {
      groupId: 'identity',
      topic: TOPICS.identityCommands,
      handler: (payload) => this.handler.handle(payload),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
