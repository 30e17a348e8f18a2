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

/**
 * An organization's stream, oldest first; an organization the store does not know is exit code 2. The services write
 * it from revision 0 on, one JSON event at each revision: a stream that starts later (truncated) or holds an event
 * that is not JSON was written past them, and is refused (exit code 1) rather than read around.
 */
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
  let expected = 0n;
  const refuse = (why: string) =>
    new CliError(
      `organization ${orgId}: ${why}; the event store was written past the services (\`export\` and \`verify\` show what is proven)`,
      1,
    );
  try {
    for (;;) {
      const next = await reads.next();
      if (next.done) {
        finished = true;
        break;
      }
      const resolved = next.value;
      const revision = resolved.event?.revision;
      if (revision !== expected)
        throw refuse(
          revision === undefined
            ? `an entry after revision ${expected - 1n} holds no event`
            : `revision ${expected} is missing (the stream goes on at ${revision})`,
        );
      expected++;
      const recorded = toRecordedDomainEvent<OrganizationEvent>(resolved);
      if (!recorded || !resolved.event) throw refuse(`revision ${revision} is not a JSON event`);
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
