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

  /**
   * The organization whose claim the request with this command id freed, if one did (a claim stream holds a few
   * events; `freed`); else the last organization to claim the domain, which may have recorded this very release and
   * not yet freed the claim (it records the release first, and a crash in between leaves the claim held). Only a
   * candidate: the organization confirms the request was this release (`recordedForOperator`).
   */
  async releasedBy(
    domain: string,
    commandId: string,
  ): Promise<{ orgId: string; freed: boolean } | undefined> {
    const events = await readStreamEvents(this.client, domainClaimStream(domain));
    const releasing = domainReleaseCommandId(commandId);
    const release = events.find(
      ({ event }) =>
        event?.type === 'DomainClaimReleased' &&
        (event.metadata as { commandId?: unknown } | undefined)?.commandId === releasing,
    );
    const lastClaim = events.findLast(({ event }) => event?.type === 'DomainClaimRegistered');
    const orgId = ((release ?? lastClaim)?.event?.data as { orgId?: unknown } | undefined)?.orgId;
    return typeof orgId === 'string' ? { orgId, freed: release !== undefined } : undefined;
  }
}
