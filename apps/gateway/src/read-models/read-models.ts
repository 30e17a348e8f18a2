import { type ReadFilter, type ReadModelCollection, type ReadStore } from '@app/read-store';
import {
  COLLECTIONS,
  INDEXES,
  type AuditEventDoc,
  type CollectionName,
  type ErasedAddressDoc,
  type InvitationDoc,
  type MemberDoc,
  type OrganizationDoc,
  type RoleIntervalDoc,
  type TeamDoc,
  type UserDoc,
} from './documents';

/** The gateway's read-model collections, by logical name, over one read store (or over a rebuild's fresh ones). */
export interface ReadModels {
  readonly users: ReadModelCollection<UserDoc>;
  readonly organizations: ReadModelCollection<OrganizationDoc>;
  readonly members: ReadModelCollection<MemberDoc>;
  readonly teams: ReadModelCollection<TeamDoc>;
  readonly invitations: ReadModelCollection<InvitationDoc>;
  readonly auditEvents: ReadModelCollection<AuditEventDoc>;
  readonly roleIntervals: ReadModelCollection<RoleIntervalDoc>;
  readonly erasedAddresses: ReadModelCollection<ErasedAddressDoc>;
}

export function readModelsOf(store: ReadStore): ReadModels {
  return collectionsBy((name) => store.collection(name, { indexes: INDEXES[name] }));
}

export function collectionsBy(open: (name: CollectionName) => ReadModelCollection<never>): ReadModels {
  return {
    users: open(COLLECTIONS.users),
    organizations: open(COLLECTIONS.organizations),
    members: open(COLLECTIONS.members),
    teams: open(COLLECTIONS.teams),
    invitations: open(COLLECTIONS.invitations),
    auditEvents: open(COLLECTIONS.auditEvents),
    roleIntervals: open(COLLECTIONS.roleIntervals),
    erasedAddresses: open(COLLECTIONS.erasedAddresses),
  };
}

/** Every document matching `filter`, page by page. */
export async function findAll<D>(
  collection: {
    find(
      filter: ReadFilter,
      page: { limit: number; cursor?: string },
    ): Promise<{ items: D[]; nextCursor?: string }>;
  },
  filter: ReadFilter,
): Promise<D[]> {
  const out: D[] = [];
  let cursor: string | undefined;
  do {
    const page = await collection.find(filter, { limit: 500, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
