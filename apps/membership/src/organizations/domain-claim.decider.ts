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
  | {
      type: 'ReleaseClaim';
      domain: string;
      orgId: string;
      at: string;
      /** Only a registration made before this instant is released (a stale one; a fresh one may be in flight). */
      registeredBefore?: string;
    };

export type DomainClaimState = {
  readonly orgId: string | undefined;
  /** When the holder's registration was made (the handling time of the claim that made it). */
  readonly registeredAt: string | undefined;
};

export const domainClaimDecider: Decider<DomainClaimState, DomainClaimCommand, DomainClaimEvent> = {
  initialState: () => ({ orgId: undefined, registeredAt: undefined }),
  evolve: (_state, event) =>
    event.type === 'DomainClaimRegistered'
      ? { orgId: event.data.orgId, registeredAt: event.data.at }
      : { orgId: undefined, registeredAt: undefined },
  decide: (command, state) => {
    const data = { domain: command.domain, orgId: command.orgId, at: command.at };
    if (command.type === 'RegisterClaim') {
      // The holder's own claim again renews the registration: its age tells others that a claim is in flight.
      if (state.orgId !== undefined && state.orgId !== command.orgId) {
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
    if (state.orgId !== command.orgId) return [];
    const releasable =
      command.registeredBefore === undefined
        ? true
        : Date.parse(String(state.registeredAt)) < Date.parse(command.registeredBefore);
    return releasable ? [{ type: 'DomainClaimReleased', data }] : [];
  },
};

export { normalizeDomain } from '@app/identifiers';
