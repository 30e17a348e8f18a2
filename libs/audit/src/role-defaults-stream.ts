import {
  NO_STREAM,
  WrongExpectedVersionError,
  jsonEvent,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import {
  CHAIN_HASH_FIELD,
  SYSTEM_ACTOR,
  chainHashOf,
  readStreamEvents,
  type EventMetadata,
} from '@app/event-store';
import {
  ROLES,
  roleDefaultsOf,
  sameRoleDefaults,
  type AdoptedRoleDefaults,
  type PermissionsCatalog,
  type RoleDefaults,
} from '@app/permissions';

/**
 * R21: the role defaults each catalog membership decided with, from when it started deciding with it. A member's
 * permissions at a past instant are their role's defaults then plus their grants, so an operator's catalog change
 * (PERMISSIONS_FILE) or a release's does not rewrite what the history says they held.
 */
export const ROLE_DEFAULTS_STREAM = 'permissions-role-defaults';
const ADOPTED = 'RoleDefaultsAdopted';

/** A recorded event of the stream as a bundle or a read gives it: its type and data. */
export interface RoleDefaultsRecord {
  readonly type: string;
  readonly data: unknown;
}

/** Every adoption, oldest first; an entry that is not one is skipped. */
export async function readRoleDefaultsHistory(client: EventStoreDBClient): Promise<AdoptedRoleDefaults[]> {
  return (await readAdoptions(client)).history;
}

/**
 * Records the catalog's role defaults unless they are those in force already. Replicas starting together record them
 * once: the append expects the revision read, and a lost race is read again.
 */
export async function recordRoleDefaults(
  client: EventStoreDBClient,
  catalog: PermissionsCatalog,
  now: () => Date = () => new Date(),
): Promise<boolean> {
  const defaults = roleDefaultsOf(catalog);
  for (let attempt = 1; ; attempt++) {
    const { history, revision, chainHead } = await readAdoptions(client);
    const last = history.at(-1);
    if (last && sameRoleDefaults(last.defaults, defaults)) return false;
    // Never at or before the last record (a replica whose clock is behind): the history stays in order, and an
    // instant already answered keeps its answer.
    const at = new Date(Math.max(now().getTime(), last ? Date.parse(last.since) + 1 : 0));
    const data = { ...defaults, at: at.toISOString() };
    const commandId = randomUUID();
    const metadata: EventMetadata = {
      correlationId: commandId,
      causationId: commandId,
      actor: SYSTEM_ACTOR,
      schemaVersion: 1,
      commandId,
    };
    // Chained as the aggregates' streams are, so that the audit checkpoints sign it and a bundle proves it.
    const next = revision === undefined ? 0n : revision + 1n;
    const chainHash = chainHashOf(chainHead, {
      type: ADOPTED,
      data,
      metadata: { ...metadata },
      revision: next,
    });
    try {
      await client.appendToStream(
        ROLE_DEFAULTS_STREAM,
        jsonEvent({ type: ADOPTED, data, metadata: { ...metadata, [CHAIN_HASH_FIELD]: chainHash } }),
        { expectedRevision: revision ?? NO_STREAM },
      );
      return true;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError) || attempt === 3) throw error;
    }
  }
}

async function readAdoptions(client: EventStoreDBClient): Promise<{
  history: AdoptedRoleDefaults[];
  revision: bigint | undefined;
  chainHead: string | undefined;
}> {
  const events = (await readStreamEvents(client, ROLE_DEFAULTS_STREAM)).flatMap(({ event }) =>
    event ? [event] : [],
  );
  const last = events.at(-1);
  const hash = (last?.metadata as Record<string, unknown> | undefined)?.[CHAIN_HASH_FIELD];
  return {
    history: roleDefaultsHistoryOf(events),
    revision: last?.revision,
    chainHead: typeof hash === 'string' ? hash : undefined,
  };
}

/** The adoptions among a stream's records, oldest first; a record that is not one is skipped. */
export function roleDefaultsHistoryOf(records: readonly RoleDefaultsRecord[]): AdoptedRoleDefaults[] {
  const history: AdoptedRoleDefaults[] = [];
  for (const record of records) {
    const adopted = record.type === ADOPTED ? adoptionOf(record.data) : undefined;
    if (!adopted) continue;
    // Read in stream order, as organizations' histories are: a record dated before the one before it (which the
    // writer never makes) takes effect when that one did, never changing what earlier instants answered.
    const previous = history.at(-1);
    history.push(
      previous && adopted.since < previous.since ? { ...adopted, since: previous.since } : adopted,
    );
  }
  return history;
}

function adoptionOf(data: unknown): AdoptedRoleDefaults | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const list = (value: unknown) =>
    Array.isArray(value) && value.every((p) => typeof p === 'string') ? (value as string[]) : undefined;
  const [owner, admin, user] = ROLES.map((role) => list(d[role]));
  // An instant exactly as the writer stamps it: no other form `Date` would read (and print back) differently.
  if (!owner || !admin || !user || typeof d.at !== 'string' || !isStampedInstant(d.at)) return undefined;
  const defaults: RoleDefaults = { owner, admin, user };
  return { since: d.at, defaults };
}

function isStampedInstant(text: string): boolean {
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === text;
}
