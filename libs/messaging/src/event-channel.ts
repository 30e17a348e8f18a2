import {
  MalformedEnvelopeError,
  decodeEnvelope,
  encodeEnvelope,
  consumerSchemaRegistry,
  dataschemaUri,
  schemaBaseUrl,
  schemaRegistry,
  type EventEnvelope,
  type SchemaRegistry,
} from '@app/contracts';
import {
  type BusMessage,
  type MessageBus,
  type ReceivedMessage,
  type RetryPolicy,
  type Subscription,
} from './message-bus';
import { PoisonMessageError } from './poison-message-error';

export class InvalidEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly errors: readonly string[],
  ) {
    super(`event ${eventType} does not match its contract: ${errors.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

/**
 * Encodes a public event for a topic, refusing one that does not validate against its JSON Schema. The event names
 * that schema's URI at the gateway (`dataschema`) unless it already names one.
 */
export function eventMessage(
  topic: string,
  envelope: EventEnvelope,
  registry: SchemaRegistry = schemaRegistry(),
  baseUrl: string = schemaBaseUrl(),
): BusMessage {
  const result = registry.validate(envelope.type, envelope.data);
  if (!result.ok) throw new InvalidEventError(envelope.type, result.errors);
  return {
    topic,
    ...encodeEnvelope({
      ...envelope,
      dataschema: envelope.dataschema ?? dataschemaUri(envelope.type, baseUrl),
    }),
  };
}

export interface EventSubscriptionOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: (event: EventEnvelope, message: ReceivedMessage) => Promise<void>;
  readonly retry?: Partial<RetryPolicy>;
  readonly registry?: SchemaRegistry;
  readonly fromBeginning?: boolean;
  readonly keyConcurrency?: number;
  /** For reactions and notices: SubscribeOptions.gatherMs. */
  readonly gatherMs?: number;
  /** A group of this process alone, from the events published after it joined (SubscribeOptions.ephemeral). */
  readonly ephemeral?: boolean;
}

/**
 * Consumes public events: a malformed envelope, an unknown type or data that breaks its schema can never succeed, so
 * it goes to the DLQ at once; the handler's own failures are retried and then dead-lettered.
 */
export function subscribeToEvents(bus: MessageBus, options: EventSubscriptionOptions): Promise<Subscription> {
  const registry = options.registry ?? consumerSchemaRegistry();
  return bus.subscribe({
    groupId: options.groupId,
    topics: options.topics,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.fromBeginning === undefined ? {} : { fromBeginning: options.fromBeginning }),
    ...(options.keyConcurrency === undefined ? {} : { keyConcurrency: options.keyConcurrency }),
    ...(options.gatherMs === undefined ? {} : { gatherMs: options.gatherMs }),
    ...(options.ephemeral ? { ephemeral: true } : {}),
    handler: async (message) => {
      let event: EventEnvelope;
      try {
        event = decodeEnvelope(message);
      } catch (error) {
        if (error instanceof MalformedEnvelopeError)
          throw new PoisonMessageError(error.message, 'malformed-envelope');
        throw error;
      }
      const result = registry.validate(event.type, event.data);
      if (!result.ok) {
        throw new PoisonMessageError(`${event.type}: ${result.errors.join('; ')}`, result.reason);
      }
      await options.handler(event, message);
    },
  });
}
