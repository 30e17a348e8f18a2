import {
  FORWARDS,
  StreamDeletedError,
  StreamNotFoundError,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import { consumerSchemaRegistry, type EventEnvelope } from '@app/contracts';
import { openAllRecorded, toRecordedDomainEvent, type RecordedDomainEvent } from '@app/event-store';
import { PersonalDataProtection, type PersonalData } from '@app/personal-data';
import { PUBLIC_EVENT_MAPPINGS, toPublicEnvelope } from '@app/relay';

export type AggregateKind = 'organization' | 'user';

/** An aggregate's events read back from where they were recorded, for a projector that finds some of them missing. */
export interface AggregateHistory {
  /**
   * Revisions `from` to `to` of the aggregate, as the relay publishes them, oldest first: all of them, or none (the
   * stream is gone, or no longer holds them all, as after a truncation, or holds one its contract refuses).
   */
  read(kind: AggregateKind, id: string, from: number, to: number): Promise<EventEnvelope[]>;
}

const mappings = {
  organization: PUBLIC_EVENT_MAPPINGS.membership,
  user: PUBLIC_EVENT_MAPPINGS.identity,
} as const;

/** From the event store, sealed personal fields opened as the relay opens them. */
export class EventStoreHistory implements AggregateHistory {
  private readonly protection: PersonalDataProtection;
  private readonly contracts = consumerSchemaRegistry();

  constructor(
    private readonly client: EventStoreDBClient,
    personalData: PersonalData,
  ) {
    this.protection = new PersonalDataProtection(personalData.vault);
  }

  async read(kind: AggregateKind, id: string, from: number, to: number): Promise<EventEnvelope[]> {
    const mapping = mappings[kind];
    const recorded: RecordedDomainEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(`${mapping.streamPrefix}${id}`, {
        direction: FORWARDS,
        fromRevision: BigInt(from),
        maxCount: to - from + 1,
      })) {
        const event = toRecordedDomainEvent(resolved);
        if (event) recorded.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return [];
      throw error;
    }
    // A truncated stream starts later than asked: applying what is left onto the older state would be wrong.
    if (recorded.length !== to - from + 1 || recorded.some((event, i) => event.revision !== BigInt(from + i)))
      return [];
    const opened = await openAllRecorded(this.protection, recorded);
    const envelopes = opened.map((event) => toPublicEnvelope(mapping, event));
    // One its contract refuses was kept off the topics by the relay and can be applied by nothing: as with a
    // truncation, the event that found the gap goes onto the state before it, and the gap is reported.
    // A type this release does not know (a newer producer's) is no fault: the projector passes over it as it comes.
    if (envelopes.some((e) => this.refuses(e))) return [];
    return envelopes;
  }

  private refuses(envelope: EventEnvelope): boolean {
    const contract = this.contracts.validate(envelope.type, envelope.data);
    return !contract.ok && contract.reason === 'invalid';
  }
}
