import { Inject, Injectable } from '@nestjs/common';
import { expiredRequestsLog } from '@app/platform';
import { TOPICS } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REQUEST_DEADLINE_GRACE_MS,
  serveRequests,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { IdentityCommandHandler } from './identity-command-handler';

/** Serves `identity.commands.v1` (request/reply from the gateway and other services) in the `identity` group. */
@Injectable()
export class IdentityCommandServer extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(REQUEST_DEADLINE_GRACE_MS) private readonly deadlineGraceMs: number,
    private readonly handler: IdentityCommandHandler,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return serveRequests(this.bus, {
      groupId: 'identity',
      deadlineGraceMs: this.deadlineGraceMs,
      onExpired: expiredRequestsLog('identity'),
      topic: TOPICS.identityCommands,
      handler: (payload) => this.handler.handle(payload),
    });
  }
}
