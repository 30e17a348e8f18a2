import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  ROLE_DEFAULTS_STREAM,
  readRoleDefaultsHistory,
  roleDefaultsHistoryOf,
  type Bundle,
} from '@app/audit';
import { type AdoptedRoleDefaults } from '@app/permissions';
import { organizationRecordsOf } from './bundle-file';
import { CliError } from './cli-error';
import { printable } from '@app/text';
import { readOrganization, type OrganizationRecord } from './organization-stream';

/**
 * Where `history`, `roster` and `why` read an organization's events and the recorded role defaults (R21): the event
 * store, or an exported bundle that `verify`'s checks found intact.
 */
export interface AuditSource {
  /** For messages: `the event store`, `this bundle`. */
  readonly name: string;
  /** The last instant it knows of (a bundle's export); none for the event store, which knows up to now. */
  readonly until?: Date;
  records(orgId: string): AsyncIterable<OrganizationRecord> | Iterable<OrganizationRecord>;
  roleDefaults(): Promise<AdoptedRoleDefaults[]>;
}

export function eventStoreSource(client: EventStoreDBClient): AuditSource {
  return {
    name: 'the event store',
    records: (orgId) => readOrganization(client, orgId),
    roleDefaults: () => readRoleDefaultsHistory(client),
  };
}

export function bundleSource(bundle: Bundle): AuditSource {
  const exportedAt = Date.parse(bundle.header.exportedAt);
  return {
    name: 'this bundle',
    ...(Number.isNaN(exportedAt) ? {} : { until: new Date(exportedAt) }),
    records: (orgId) => {
      if (orgId !== bundle.header.org)
        throw new CliError(
          `organization ${orgId} is not in this bundle (it holds ${printable(bundle.header.org)})`,
        );
      return organizationRecordsOf(bundle);
    },
    roleDefaults: async () => {
      if (!bundle.header.streams.includes(ROLE_DEFAULTS_STREAM))
        throw new CliError(
          'this bundle holds no recorded role defaults (an export by an earlier release): ask the event store, or export again',
        );
      return roleDefaultsHistoryOf(bundle.events.filter((e) => e.stream === ROLE_DEFAULTS_STREAM));
    },
  };
}

export async function allRecords(source: AuditSource, orgId: string): Promise<OrganizationRecord[]> {
  const records: OrganizationRecord[] = [];
  for await (const record of source.records(orgId)) records.push(record);
  return records;
}

/**
 * The instant a command answers about: the one asked, else now; one still to come is answered as now, as the API's
 * roster does; from a bundle, never after its export, which knows nothing later (said on stderr when an instant asked
 * for is later).
 */
export function answeredInstant(
  source: AuditSource,
  asked: Date | undefined,
  now = new Date(),
): Date | undefined {
  const until = source.until;
  if (!until) {
    if (!asked || asked <= now) return asked;
    console.error(`answered as now, ${now.toISOString()}: ${asked.toISOString()} is still to come`);
    return now;
  }
  if (asked && asked <= until) return asked;
  if (asked)
    console.error(`answered as of the export, ${until.toISOString()}: ${source.name} holds nothing later`);
  return until;
}
