import { isDeepStrictEqual } from 'node:util';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { type PermissionsCatalog } from '@app/permissions';
import { type PersonalData } from '@app/personal-data';
import { InMemoryReadStore, type ReadModelCollection, type ReadModelDocument } from '@app/read-store';
import { readModelsOf, type ReadModels } from '../../apps/gateway/src/read-models/read-models';
import { projectFromEventStore } from '../../apps/gateway/src/read-models/rebuild';
import { directTarget } from '../../apps/gateway/src/read-models/staged-read-models';

export interface Divergence {
  readonly orgId: string;
  readonly collection: string;
  readonly id: string;
  readonly kind: 'missing' | 'unexpected' | 'different';
  /** The fields that differ, with what the event store says and what the read model holds. */
  readonly fields?: Record<string, { replayed: unknown; stored: unknown }>;
}

const ORG_COLLECTIONS = ['organizations', 'members', 'teams', 'invitations', 'roleIntervals'] as const;

async function allOf<D extends ReadModelDocument>(
  collection: ReadModelCollection<D>,
  where: Record<string, string>,
) {
  const docs = new Map<string, D>();
  let cursor: string | undefined;
  do {
    const page = await collection.find({ where }, { limit: 500, ...(cursor ? { cursor } : {}) });
    for (const doc of page.items) docs.set(doc._id, doc);
    cursor = page.nextCursor;
  } while (cursor);
  return docs;
}

/** Replays the whole event store through the gateway's own projections into memory: what the read models should hold. */
export async function replayReadModels(
  client: EventStoreDBClient,
  catalog: PermissionsCatalog,
  personalData: PersonalData,
): Promise<ReadModels> {
  const models = readModelsOf(new InMemoryReadStore());
  await projectFromEventStore(client, directTarget(models), catalog, personalData);
  return models;
}

export async function organizationIdsOf(models: ReadModels): Promise<string[]> {
  return [...(await allOf(models.organizations, {})).keys()].sort();
}

/** Every document of an organization that the stored read models hold differently from the replay, field by field. */
export async function diffOrganization(
  orgId: string,
  replayed: ReadModels,
  stored: ReadModels,
): Promise<Divergence[]> {
  const divergences: Divergence[] = [];
  for (const name of ORG_COLLECTIONS) {
    const where: Record<string, string> = name === 'organizations' ? { _id: orgId } : { orgId };
    const expected = await allOf(replayed[name] as ReadModelCollection<ReadModelDocument>, where);
    const actual = await allOf(stored[name] as ReadModelCollection<ReadModelDocument>, where);
    for (const [id, doc] of expected) {
      const held = actual.get(id);
      if (!held) divergences.push({ orgId, collection: name, id, kind: 'missing' });
      else if (!isDeepStrictEqual(normalized(doc), normalized(held))) {
        const fields: Record<string, { replayed: unknown; stored: unknown }> = {};
        const a = normalized(doc);
        const b = normalized(held);
        for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
          if (!isDeepStrictEqual(a[key], b[key])) fields[key] = { replayed: a[key], stored: b[key] };
        divergences.push({ orgId, collection: name, id, kind: 'different', fields });
      }
    }
    for (const id of actual.keys())
      if (!expected.has(id)) divergences.push({ orgId, collection: name, id, kind: 'unexpected' });
  }
  return divergences;
}

/**
 * As JSON would carry it: the same document from memory and from MongoDB compares equal. A member's
 * `profileRevision` is the projection's own bookkeeping (which user revision its name came from, absent on documents
 * written before it was kept), not something the events say: left out. So are the `permissions` of a document that
 * keeps its role and grants: they are the role's defaults plus the grants, in the catalog of the day the document was
 * projected (the API and the roster work them out again from role and grants, with the catalog in force), so a
 * replay on a machine with another catalog, or after the catalog changed, is no divergence. Role and grants are
 * compared.
 */
function normalized(doc: object): Record<string, unknown> {
  const { profileRevision: _bookkeeping, ...content } = JSON.parse(JSON.stringify(doc)) as Record<
    string,
    unknown
  >;
  if (Array.isArray(content.granted) && typeof content.role === 'string') delete content.permissions;
  return content;
}
