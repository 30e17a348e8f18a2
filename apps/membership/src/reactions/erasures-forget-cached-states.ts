import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  subscribeToEvents,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { OrganizationCommandHandler } from '../commands/organization-command-handler';

/** What holds organization states in memory: the organization streams of one process. */
export interface CachedStates {
  forgetCachedStates(): void;
}

/**
 * After a person is erased, the organization states held in memory may still hold what was opened before (the
 * addresses their invitations went to), which a load from the store now reads as erased. Every replica holds its
 * own states, so each forgets them: in a group of its own, where the other reactions run once across replicas.
 */
export function forgetCachedStatesOnErasure(bus: MessageBus, states: CachedStates): Promise<Subscription> {
  return subscribeToEvents(bus, {
    groupId: `membership.erasures.${randomUUID()}`,
    topics: [TOPICS.identityUsers],
    ephemeral: true,
    handler: async (event) => {
      if (event.type === 'identity.UserErased.v1') states.forgetCachedStates();
    },
  });
}

@Injectable()
export class ErasuresForgetCachedStates extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly commands: OrganizationCommandHandler,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return forgetCachedStatesOnErasure(this.bus, this.commands.streams);
  }
}
