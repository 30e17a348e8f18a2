import { type MemberDoc, type OrganizationDoc, type TeamDoc, type UserDoc } from '../read-models/documents';

/**
 * The public state of an aggregate as the state topics carry it (identity.UserState.v1, membership.OrganizationState.v1):
 * the read models' documents without their storage fields. Members are named by user id only: their profiles are the
 * users' own state.
 */
export function userStateOf(doc: UserDoc): Record<string, unknown> {
  const { _id, revision: _revision, ...state } = doc;
  return state;
}

export function organizationStateOf(
  org: OrganizationDoc,
  members: readonly MemberDoc[],
  teams: readonly TeamDoc[],
): Record<string, unknown> {
  const { _id, revision: _revision, deleted: _deleted, ...state } = org;
  return {
    ...state,
    members: members
      .map(({ _id, revision: _r, orgId: _o, name: _n, email: _e, orgName: _on, ...member }) => member)
      .sort((a, b) => a.userId.localeCompare(b.userId)),
    teams: teams
      .map(({ _id, revision: _r, orgId: _o, ...team }) => team)
      .sort((a, b) => a.teamId.localeCompare(b.teamId)),
  };
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
