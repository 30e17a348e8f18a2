import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, subscribeToEvents, type MessageBus, type Subscription } from '@app/messaging';
import { RefreshTokens } from '../sessions/refresh-tokens';

/** Removal from an organization ends the user's sessions: their next token carries no stale memberships. */
@Injectable()
export class MembershipReactions implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly refreshTokens: RefreshTokens,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await subscribeToEvents(this.bus, {
      groupId: 'identity.membership-reactions',
      topics: [TOPICS.membershipOrganizations],
      handler: async (event) => {
        if (event.type !== 'membership.MemberRemoved.v1') return;
        await this.refreshTokens.revokeAllForUser((event.data as { userId: string }).userId);
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}
