import { api, unwrap, type Schemas } from '../api/client';
import { useLoad, type Loaded } from '../ui/async';

/** Every team of the organization, page after page (they are few next to members). */
export function useAllTeams(orgId: string): Loaded<Schemas['TeamView'][]> {
  return useLoad(async () => {
    const teams: Schemas['TeamView'][] = [];
    let cursor: string | undefined;
    do {
      const page = await unwrap(
        api.GET('/v1/orgs/{orgId}/teams', {
          params: { path: { orgId }, query: { limit: 200, ...(cursor ? { cursor } : {}) } },
        }),
      );
      teams.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return teams;
  }, orgId);
}
