import { FORWARDS, START, StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import { type EventMetadata, toRecordedDomainEvent } from '@app/event-store';
import { type OrganizationEvent } from '../../apps/membership/src/organizations/organization.events';
import { organizationStreamOf } from '@app/audit';
import { CliError } from './cli-error';
import { Progress } from './progress';

export interface OrganizationRecord {
  readonly revision: bigint;
  readonly event: OrganizationEvent;
  readonly metadata: EventMetadata;
  /** As stored, for export and hashing: type, data and metadata exactly as the store holds them. */
  readonly raw: { readonly type: string; readonly data: unknown; readonly metadata: Record<string, unknown> };
}

export { organizationStreamOf };

/** An organization's stream, oldest first; an organization the store does not know is exit code 2. */
export async function* readOrganization(
  client: EventStoreDBClient,
  orgId: string,
  options: { until?: Date; progress?: boolean } = {},
): AsyncGenerator<OrganizationRecord> {
  const progress = options.progress === false ? undefined : new Progress(`organization ${orgId}`);
  const reads = client
    .readStream(organizationStreamOf(orgId), { direction: FORWARDS, fromRevision: START })
    [Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await reads.next();
      if (next.done) {
        finished = true;
        break;
      }
      const resolved = next.value;
      const recorded = toRecordedDomainEvent<OrganizationEvent>(resolved);
      if (!recorded || !resolved.event) continue;
      progress?.tick(`revision ${recorded.revision}`);
      yield {
        revision: recorded.revision,
        event: recorded.event,
        metadata: recorded.metadata,
        raw: {
          type: resolved.event.type,
          data: resolved.event.data,
          metadata: (resolved.event.metadata ?? {}) as Record<string, unknown>,
        },
      };
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError)
      throw new CliError(`organization ${orgId} is not in the event store`);
    throw error;
  } finally {
    progress?.done();
    // Whoever stopped early (a failure while reading on) leaves the read to be drained: a gRPC read left
    // half-consumed keeps the client from closing.
    if (!finished) while (!(await reads.next().catch(() => ({ done: true }))).done);
  }
}
