import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { isDomainError } from '@app/domain';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REACTION_GATHER_MS,
  subscribeToEvents,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { PasswordManagement } from '../credentials/password-management';

/**
 * Identity's reactions to membership: an Owner's or Admin's reset request for a member (R17) mails the member a reset
 * link. A removal from an organization ends no session: tokens carry no memberships, the gateway checks the standing
 * in the organization on every request, and an account's sessions are no organization's to end (an Admin of one would
 * sign its person out of every other).
 */
@Injectable()
export class MembershipReactions extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly passwords: PasswordManagement,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'identity.membership-reactions',
      gatherMs: REACTION_GATHER_MS,
      topics: [TOPICS.membershipOrganizations],
      handler: async (event) => {
        const { userId } = event.data as { userId: string };
        if (event.type === 'membership.PasswordResetRequested.v1')
          await this.passwords
            .resetOnRequestOf(userId, { commandId: event.id, correlationId: event.correlationid })
            .catch(ignoreGoneUser);
      },
    });
  }
}

/** A member whose account is gone by now needs no link; anything else is retried by the bus. */
function ignoreGoneUser(error: unknown): void {
  if (!isDomainError(error) || error.kind !== 'not-found') throw error;
}
