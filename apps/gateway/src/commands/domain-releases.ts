import { Inject, Injectable } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { domainClaimStream, domainReleaseCommandId } from '@app/contracts';
import { EVENT_STORE_CLIENT, readStreamEvents } from '@app/event-store';

/**
 * What a domain's claim stream (membership's, R16) says about a release: an organization that released a domain frees
 * the claim under the command id of the request that released it. So a repeated release (the same Idempotency-Key)
 * is known as one even after the domain was claimed again, or by nobody since.
 */
@Injectable()
export class DomainReleases {
  constructor(@Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient) {}

  /** Whether the request with this command id released the domain (a claim stream holds a few events). */
  async releasedBy(domain: string, commandId: string): Promise<boolean> {
    const events = await readStreamEvents(this.client, domainClaimStream(domain));
    const releasing = domainReleaseCommandId(commandId);
    return events.some(
      ({ event }) =>
        event?.type === 'DomainClaimReleased' &&
        (event.metadata as { commandId?: unknown } | undefined)?.commandId === releasing,
    );
  }
}
