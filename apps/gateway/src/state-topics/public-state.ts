import { eventSchemas, eventTypeOfSchema } from '@app/contracts';
import { type MemberDoc, type OrganizationDoc, type TeamDoc, type UserDoc } from '../read-models/documents';

interface ObjectSchema {
  readonly properties: Readonly<Record<string, ObjectSchema & { readonly items?: ObjectSchema }>>;
}

function schemaOf(type: string): ObjectSchema {
  const schema = eventSchemas.find((s) => eventTypeOfSchema(s) === type);
  if (!schema) throw new Error(`no schema for ${type}`);
  return schema as unknown as ObjectSchema;
}

const USER = schemaOf('identity.UserState.v1');
const ORGANIZATION = schemaOf('membership.OrganizationState.v1');

/** Only the fields the published schema names: a field added to a read-model document stays out until it is. */
function only<T extends object>(doc: T, schema: ObjectSchema): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc).filter(([field]) => field in schema.properties));
}

/**
 * The public state of an aggregate as the state topics carry it (identity.UserState.v1, membership.OrganizationState.v1):
 * the read models' documents, cut to the fields of the published schemas. Members are named by user id only: their
 * profiles are the users' own state.
 */
export function userStateOf(doc: UserDoc): Record<string, unknown> {
  return only(doc, USER);
}

export function organizationStateOf(
  org: OrganizationDoc,
  members: readonly MemberDoc[],
  teams: readonly TeamDoc[],
): Record<string, unknown> {
  const { members: memberSchema, teams: teamSchema } = ORGANIZATION.properties;
  return {
    ...only(org, ORGANIZATION),
    members: [...members]
      .sort((a, b) => a.userId.localeCompare(b.userId))
      .map((member) => only(member, memberSchema!.items!)),
    teams: [...teams]
      .sort((a, b) => a.teamId.localeCompare(b.teamId))
      .map((team) => only(team, teamSchema!.items!)),
  };
}

/**
 * Whether members and teams read after the organization document at `revision` belong to that revision: the
 * projector writes them before the organization document, so a read can catch part of the next event (a member
 * changed or gone) while the organization document still shows the one before.
 */
export function consistentAt(
  org: OrganizationDoc,
  members: readonly MemberDoc[],
  teams: readonly TeamDoc[],
): boolean {
  return (
    members.length === org.memberCount &&
    members.every((m) => m.revision <= org.revision) &&
    teams.every((t) => t.revision <= org.revision)
  );
}

/** What the state topic gets for one change event, given where the read model of its aggregate is. */
export type StateStep = 'wait' | 'skip' | 'publish' | 'tombstone';

/**
 * `model`: the revision the read model last wrote the aggregate at, and whether that was its deletion (null: not
 * projected yet). A model behind the event waits for the projection; one ahead skips, because the later event,
 * further on in the same partition, publishes the newer state.
 */
export function stateStep(
  eventRevision: number,
  model: { readonly revision: number; readonly deleted: boolean } | null,
): StateStep {
  if (!model || model.revision < eventRevision) return 'wait';
  if (model.revision > eventRevision) return 'skip';
  return model.deleted ? 'tombstone' : 'publish';
}
