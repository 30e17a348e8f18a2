import { type Decider, DomainError } from '@app/domain';

/**
 * One organization per e-mail domain (R16) across all organizations: each domain has its own small stream
 * (`domain-<name>`), appended with its expected revision, so two organizations racing for a domain cannot both win.
 */
export type DomainClaimEvent =
  | { type: 'DomainClaimRegistered'; data: { domain: string; orgId: string; at: string } }
  | { type: 'DomainClaimReleased'; data: { domain: string; orgId: string; at: string } };

export type DomainClaimCommand =
  | { type: 'RegisterClaim'; domain: string; orgId: string; at: string }
  | { type: 'ReleaseClaim'; domain: string; orgId: string; at: string };

export type DomainClaimState = { readonly orgId: string | undefined };

export const domainClaimDecider: Decider<DomainClaimState, DomainClaimCommand, DomainClaimEvent> = {
  initialState: () => ({ orgId: undefined }),
  evolve: (_state, event) => ({
    orgId: event.type === 'DomainClaimRegistered' ? event.data.orgId : undefined,
  }),
  decide: (command, state) => {
    const data = { domain: command.domain, orgId: command.orgId, at: command.at };
    if (command.type === 'RegisterClaim') {
      if (state.orgId === command.orgId) return [];
      if (state.orgId !== undefined) {
        throw new DomainError(
          'domain-claimed',
          'conflict',
          `${command.domain} is claimed by another organization (R16)`,
          {
            domain: command.domain,
          },
        );
      }
      return [{ type: 'DomainClaimRegistered', data }];
    }
    return state.orgId === command.orgId ? [{ type: 'DomainClaimReleased', data }] : [];
  },
};

/** Lower-case, without a leading `@`; a plausible DNS name or undefined. */
export function normalizeDomain(raw: string): string | undefined {
  const domain = raw.trim().toLowerCase().replace(/^@/, '');
  return /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)
    ? domain
    : undefined;
}
