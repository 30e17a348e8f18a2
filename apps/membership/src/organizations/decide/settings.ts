import { isKnownPlan } from '@app/permissions';
import { normalizeDomain } from '../domain-claim.decider';
import { isPublicMailDomain } from '../public-mail-domains';
import { SYSTEM_ACTOR, type CommandOf } from '../organization.commands';
import { type OrganizationEvent } from '../organization.events';
import { type ActiveOrganization, type OrganizationState } from '../organization.state';
import { type PermissionsCatalog } from '@app/permissions';
import { refuse, requirePermission, visibleMemberOf, type Decision, type Stamp } from './guards';
import { expired, pendingInvitations } from './invitations';

/** The organization itself: creation (R1), settings (R14, R22), contact person, domains (R16), deletion (R10). */

export function createOrganization(
  command: CommandOf<'CreateOrganization'>,
  state: OrganizationState,
  catalog: PermissionsCatalog,
): OrganizationEvent[] {
  const name = validName(command.name);
  const plan = command.plan ?? 'standard';
  if (!isKnownPlan(catalog, plan))
    refuse('unknown-plan', 'validation', `unknown plan ${plan}`, { field: 'plan' });
  if (state.status === 'deleted')
    refuse('organization-deleted', 'conflict', 'an organization with this id existed and was deleted');
  if (state.status === 'active') {
    if (state.ownerId === command.actorId && state.name === name) return [];
    refuse('organization-exists', 'conflict', 'an organization with this id exists');
  }
  // R1: the creator becomes the Owner and the contact person.
  return [
    {
      type: 'OrganizationCreated',
      data: {
        orgId: command.orgId,
        actorId: command.actorId,
        at: command.at,
        name,
        ownerId: command.actorId,
        plan,
      },
    },
  ];
}

export function updateSettings({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'UpdateSettings'>>): OrganizationEvent[] {
  // R14 (members may edit their availability), R16 (auto-join), R22 (require 2FA): holders of org.update.
  requirePermission(org, catalog, command.actorId, 'org.update');
  const next = {
    name: command.name === undefined ? org.name : validName(command.name),
    autoJoin: command.autoJoin ?? org.autoJoin,
    membersMayEditOwnAvailability: command.membersMayEditOwnAvailability ?? org.membersMayEditOwnAvailability,
    requireTwoFactor: command.requireTwoFactor ?? org.requireTwoFactor,
  };
  // R16, R19: acting through a parent, nobody turns auto-join on: with an address at a domain the organization holds
  // (an alias will do), they would join it themself, which outlives the link (as claiming a domain would).
  if (next.autoJoin && !org.autoJoin && org.actingAs?.userId === command.actorId)
    refuse(
      'domain-not-proven',
      'forbidden',
      'acting through a parent, one does not turn auto-join on: an Admin or the Owner of the organization does (R16, R19)',
      { field: 'autoJoin' },
    );
  // R22: whoever turns the requirement on has a second factor themself, or they would lock themself out at once.
  if (next.requireTwoFactor && !org.requireTwoFactor && !command.actorTwoFactor)
    refuse(
      'two-factor-required',
      'forbidden',
      'sign in with a second factor before requiring it of everyone (R22)',
      { field: 'requireTwoFactor' },
    );
  const unchanged =
    next.name === org.name &&
    next.autoJoin === org.autoJoin &&
    next.membersMayEditOwnAvailability === org.membersMayEditOwnAvailability &&
    next.requireTwoFactor === org.requireTwoFactor;
  return unchanged ? [] : [{ type: 'SettingsUpdated', data: { ...stamp, ...next } }];
}

export function setContactPerson({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'SetContactPerson'>>): OrganizationEvent[] {
  // The contact person is a label on one member, set by holders of org.update, among the members they see (R13).
  const actor = requirePermission(org, catalog, command.actorId, 'org.update');
  if (command.userId !== undefined) visibleMemberOf(org, catalog, actor, command.userId);
  const userId = command.userId ?? org.ownerId;
  if (org.contactPersonId === userId) return [];
  return [{ type: 'ContactPersonChanged', data: { ...stamp, userId } }];
}

export function claimDomain({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'ClaimDomain'>>): OrganizationEvent[] {
  // R16: Owner and Admins (org.update) claim e-mail domains; one organization per domain is the claim stream's job.
  requirePermission(org, catalog, command.actorId, 'org.update');
  // R19: acting through a parent, one's own address proves nothing here: auto-join at a domain it proved would make
  // its holder (and their colleagues) members, which outlives the link.
  if (org.actingAs?.userId === command.actorId)
    refuse(
      'domain-not-proven',
      'forbidden',
      'acting through a parent, a domain is claimed by a member with an address at it (R16, R19)',
      { field: 'domain', domain: command.domain },
    );
  const domain = normalizeDomain(command.domain);
  if (!domain) refuse('validation-failed', 'validation', 'not a domain name', { field: 'domain' });
  if (isPublicMailDomain(domain))
    refuse('public-mail-domain', 'rule-violation', `${domain} is a public mail provider's domain (R16)`, {
      field: 'domain',
      domain,
    });
  // Auto-join hands the organization everyone who verifies an address at the domain: the claimant proves they are at
  // it by holding a verified address there themself.
  if (domainOfAddress(command.actorVerifiedEmail) !== domain)
    refuse(
      'domain-not-proven',
      'forbidden',
      `claiming ${domain} takes a verified e-mail address at it (R16)`,
      { field: 'domain', domain },
    );
  if (org.domains.has(domain)) return [];
  return [{ type: 'DomainClaimed', data: { ...stamp, domain } }];
}

export function releaseDomain({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'ReleaseDomain'>>): OrganizationEvent[] {
  // R16: an operator settles a disputed claim in an organization they need not belong to.
  if (command.actorIsOperator !== true) requirePermission(org, catalog, command.actorId, 'org.update');
  const domain = normalizeDomain(command.domain);
  // An operator names the domain, not the organization: one that does not hold it (any more) is told so.
  if (command.actorIsOperator === true && (!domain || !org.domains.has(domain)))
    refuse('domain-not-claimed', 'not-found', `this organization does not hold ${command.domain}`, {
      domain: command.domain,
    });
  if (!domain) refuse('validation-failed', 'validation', 'not a domain name', { field: 'domain' });
  if (!org.domains.has(domain)) return [];
  return [{ type: 'DomainReleased', data: { ...stamp, domain } }];
}

export function deleteOrganization({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'DeleteOrganization'>>): OrganizationEvent[] {
  // R10: only the Owner (org.delete is the Owner's alone) deletes the organization.
  requirePermission(org, catalog, command.actorId, 'org.delete');
  return dissolution(org, stamp);
}

/**
 * R10: teams disbanded, pending invitations revoked (one whose sent link has lapsed is recorded expired: R6), domains
 * released, seats to zero, then the organization.
 */
export function dissolution(
  org: ActiveOrganization,
  stamp: Stamp,
  cause?: { reason: 'owner-account-deleted'; ownerId: string },
): OrganizationEvent[] {
  const events: OrganizationEvent[] = [...org.teams.keys()].map((teamId) => ({
    type: 'TeamDeleted',
    data: { ...stamp, teamId, reason: 'organization-deleted' },
  }));
  for (const invitation of pendingInvitations(org))
    events.push(
      expired(invitation, stamp.at)
        ? {
            type: 'InvitationExpired',
            data: { ...stamp, actorId: SYSTEM_ACTOR, invitationId: invitation.invitationId },
          }
        : { type: 'InvitationRevoked', data: { ...stamp, invitationId: invitation.invitationId } },
    );
  for (const domain of org.domains.keys())
    events.push({ type: 'DomainReleased', data: { ...stamp, domain } });
  if (org.seats > 0) events.push({ type: 'SeatsChanged', data: { ...stamp, seats: 0 } });
  // Deleted by the system with its Owner's account: the audit says whose, as it says who deleted it otherwise (R21).
  events.push({ type: 'OrganizationDeleted', data: { ...stamp, ...cause } });
  return events;
}

function validName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > 200) {
    refuse('invalid-name', 'validation', 'name must be 1 to 200 characters', { field: 'name' });
  }
  return name;
}

/** The part of an address after its last `@`, lower-cased. */
function domainOfAddress(email: string | undefined): string | undefined {
  if (email === undefined) return undefined;
  const parts = email.split('@');
  return parts.length > 1 ? parts[parts.length - 1]!.toLowerCase() : undefined;
}
