import { DomainError } from '@app/domain';
import { impersonalLineType } from '@app/identifiers';
import {
  effectivePermissions,
  givesInvitationTerms,
  grantableInPlan,
  grantsLackingPrerequisites,
  isKnownPermission,
  type PermissionsCatalog,
} from '@app/permissions';
import { SYSTEM_ACTOR, type CommandOf } from '../organization.commands';
import { type InvitedRole, type OrganizationEvent } from '../organization.events';
import { type ActiveOrganization, type Invitation, type Member } from '../organization.state';
import {
  assertGrantable,
  refuse,
  requirePermission,
  requireInvitationNotAbove,
  requireRoleNotAbove,
  requireSystem,
  type Decision,
  type OrganizationView,
  type Stamp,
} from './guards';
import { requireTeamManager, teamOf } from './teams';

/**
 * Invitations (R5, R6, R7): holders of members.invite invite by e-mail or phone with a role and permissions they may
 * give, change, send, resend and revoke them; the invited identity accepts once, with the latest link, in time.
 */

export function inviteMember({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'InviteMember'>>): OrganizationEvent[] {
  // R5: Owner and Admins, or holders of members.invite, invite with a role that is never Owner (R6: maybe unsent).
  const actor = requirePermission(org, catalog, command.actorId, 'members.invite');
  const email = command.email?.trim().toLowerCase();
  const phone = command.phone?.trim();
  if (!email === !phone)
    refuse('validation-failed', 'validation', 'invite by e-mail or by phone', { field: 'email' });
  if (command.inviteeUserId && org.members.has(command.inviteeUserId)) {
    refuse('already-member', 'conflict', 'this person is already a member (R5)');
  }
  requireRoleNotAbove(actor, command.role);
  const terms = invitationTerms(org, catalog, command);
  assertGrantable(org, catalog, {
    actor,
    role: command.role,
    held: catalog.roleDefaults.get(command.role) ?? new Set(),
    permissions: terms.permissions,
  });
  const existing = org.invitations.get(command.invitationId);
  if (existing) {
    // A retry of the same invitation changes nothing; the same id for someone or something else is a conflict.
    if (sameInvitee(existing, email, phone) && sameTerms(existing, { role: command.role, ...terms }))
      return [];
    refuse('invitation-id-reused', 'conflict', 'this invitation id belongs to another invitation', {
      invitationId: command.invitationId,
    });
  }
  refuseImpersonalLine(phone);
  // R5, R7: a number whose texted link someone still a member accepted names them (the handler names an account by a
  // proven e-mail address only, and a number is proven by its link alone): inviting it again is a conflict, so a
  // re-run import texts no member.
  if (phone && joinedByLink(org, phone))
    refuse('already-member', 'conflict', 'this person is already a member (R5)');
  const lapsed: OrganizationEvent[] = [];
  for (const other of org.invitations.values()) {
    if (other.status !== 'pending' || !sameInvitee(other, email, phone)) continue;
    // R7: one past its expiry is recorded as expired here (as the sweep would), whether or not the sweep has got to it.
    if (expired(other, stamp.at)) {
      lapsed.push({
        type: 'InvitationExpired',
        data: { ...stamp, actorId: SYSTEM_ACTOR, invitationId: other.invitationId },
      });
      continue;
    }
    // One whose terms nobody may give any more (R5) cannot be sent or accepted: the new one replaces it.
    if (!invitationStillGiven(org, catalog, other)) {
      lapsed.push({ type: 'InvitationRevoked', data: { ...stamp, invitationId: other.invitationId } });
      continue;
    }
    refuse('already-invited', 'conflict', 'a pending invitation for this person exists', {
      invitationId: other.invitationId,
      sameTerms: sameTerms(other, { role: command.role, ...terms }),
    });
  }
  const invitee = { ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
  const created: OrganizationEvent = {
    type: 'InvitationCreated',
    data: {
      ...stamp,
      invitationId: command.invitationId,
      ...invitee,
      role: command.role,
      ...terms,
      expiresAt: command.expiresAt,
    },
  };
  if (!command.send) return [...lapsed, created];
  return [
    ...lapsed,
    created,
    {
      type: 'InvitationSent',
      data: {
        ...stamp,
        invitationId: command.invitationId,
        sendSequence: 1,
        expiresAt: command.expiresAt,
        ...invitee,
        orgName: org.name,
        role: command.role,
      },
    },
  ];
}

export function changeInvitation({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'ChangeInvitation'>>): OrganizationEvent[] {
  // R5: role, teams and permissions of a pending invitation change before it is accepted, within the changer's rights.
  const actor = requirePermission(org, catalog, command.actorId, 'members.invite');
  const invitation = pendingInvitation(org, command.invitationId, stamp.at);
  requireInvitationNotAbove(actor, invitation);
  requireRoleNotAbove(actor, command.role);
  // What the change leaves out stays as the invitation has it, less what is gone since, or the plan no longer allows
  // (as acceptance leaves them out).
  const asked = {
    actorId: command.actorId,
    teamIds: command.teamIds ?? invitation.teamIds.filter((teamId) => org.teams.has(teamId)),
    permissions: command.permissions ?? invitedPermissionsNow(org, catalog, invitation),
  };
  const terms = invitationTerms(org, catalog, asked, invitation.teamIds);
  assertGrantable(org, catalog, {
    actor,
    role: command.role,
    held: catalog.roleDefaults.get(command.role) ?? new Set(),
    permissions: terms.permissions,
  });
  // The same terms are no change, unless their giver may no longer give them: the editor then gives them anew.
  if (
    sameTerms(invitation, { role: command.role, ...terms }) &&
    invitationStillGiven(org, catalog, invitation)
  )
    return [];
  return [
    {
      type: 'InvitationChanged',
      data: { ...stamp, invitationId: invitation.invitationId, role: command.role, ...terms },
    },
  ];
}

export function sendInvitation({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'SendInvitation'>>): OrganizationEvent[] {
  // R5/R6: send (or resend: a new link, the old one stops working) a pending invitation, of a role not above one's own.
  const actor = requirePermission(org, catalog, command.actorId, 'members.invite');
  const invitation = pendingInvitation(org, command.invitationId, stamp.at);
  requireInvitationNotAbove(actor, invitation);
  // A link its invitee could only be refused with: they joined since it was made (auto-join, R16), unsent (R6); by
  // phone, someone who joined by a link to the number is a member since.
  if (
    (command.inviteeUserId && org.members.has(command.inviteeUserId)) ||
    (invitation.phone && joinedByLink(org, invitation.phone))
  )
    refuse('already-member', 'conflict', 'this person is already a member (R5)', {
      invitationId: invitation.invitationId,
    });
  refuseWhenNoLongerGiven(org, catalog, invitation);
  // One made before such numbers were refused is not texted either.
  refuseImpersonalLine(invitation.phone);
  return [
    {
      type: 'InvitationSent',
      data: {
        ...stamp,
        invitationId: invitation.invitationId,
        sendSequence: invitation.sendSequence + 1,
        expiresAt: command.expiresAt,
        ...(invitation.email ? { email: invitation.email } : {}),
        ...(invitation.phone ? { phone: invitation.phone } : {}),
        orgName: org.name,
        role: invitation.role,
      },
    },
  ];
}

export function revokeInvitation({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'RevokeInvitation'>>): OrganizationEvent[] {
  const actor = requirePermission(org, catalog, command.actorId, 'members.invite');
  const invitation = invitationOf(org, command.invitationId);
  requireInvitationNotAbove(actor, invitation);
  if (invitation.status === 'revoked') return [];
  pendingInvitation(org, command.invitationId, stamp.at);
  return [{ type: 'InvitationRevoked', data: { ...stamp, invitationId: invitation.invitationId } }];
}

/**
 * An operator erases a person known only by an address: the pending invitations to it are revoked, and InviteeErased
 * tells everyone to forget the address (its key is destroyed once this is recorded). Invitations already erased, or
 * not in this organization, are left out; with none left it changes nothing.
 */
export function eraseInvitee({
  command,
  org,
  stamp,
}: Decision<CommandOf<'EraseInvitee'>>): OrganizationEvent[] {
  if (command.actorIsOperator !== true)
    refuse('operator-only', 'forbidden', 'erasing an invitee is an operator’s action');
  const invitations = [...new Set(command.invitationIds)]
    .map((id) => org.invitations.get(id))
    .filter((i): i is Invitation => i !== undefined && (i.email !== undefined || i.phone !== undefined));
  if (invitations.length === 0) return [];
  return [
    ...invitations
      .filter((i) => i.status === 'pending')
      .map((i): OrganizationEvent => ({
        type: 'InvitationRevoked',
        data: { ...stamp, invitationId: i.invitationId },
      })),
    {
      type: 'InviteeErased',
      data: {
        ...stamp,
        invitationIds: invitations.map((i) => i.invitationId),
        erasedKeys: [command.addressKey],
      },
    },
  ];
}

export function acceptInvitation({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'AcceptInvitation'>>): OrganizationEvent[] {
  // R5: accepted once, only by the invited identity, for themselves, with the latest link, before it expires.
  if (command.actorId !== command.userId)
    refuse(
      'invitation-identity-mismatch',
      'forbidden',
      'an invitation is accepted by the invited person themselves',
    );
  const invitation = invitationOf(org, command.invitationId);
  if (invitation.status === 'accepted') {
    if (invitation.acceptedBy === command.userId) return [];
    refuse('invitation-already-accepted', 'gone', 'this invitation was already accepted');
  }
  if (invitation.status === 'revoked')
    refuse('invitation-revoked', 'gone', 'this invitation was revoked', {
      invitationId: invitation.invitationId,
    });
  // Registering from the link, it was used when identity recorded the registration (or now, if a clock says later).
  const usedAt = Math.min(Date.parse(command.registeredAt ?? stamp.at), Date.parse(stamp.at));
  if (invitation.status === 'expired' || expired(invitation, new Date(usedAt).toISOString()))
    refuse('invitation-expired', 'gone', 'this invitation expired');
  if (invitation.sendSequence === 0 || command.sendSequence !== invitation.sendSequence) {
    refuse('invitation-link-superseded', 'gone', 'this link was replaced by a newer one');
  }
  const matches = invitation.email
    ? command.email?.trim().toLowerCase() === invitation.email
    : command.phone !== undefined && command.phone === invitation.phone;
  if (!matches) refuse('invitation-identity-mismatch', 'forbidden', 'the invitation is for someone else');
  if (org.members.has(command.userId))
    refuse('already-member', 'conflict', 'already a member of this organization');
  // Whoever set the terms cannot take them up: someone acting through a parent (R19) or an Admin since removed would
  // otherwise keep, as a member, what they held only through the link or the role they lost.
  if (invitation.grantedBy === command.userId)
    refuse('own-invitation', 'forbidden', 'an invitation is not accepted by whoever set its terms (R19)');
  refuseWhenNoLongerGiven(org, catalog, invitation);
  const events: OrganizationEvent[] = [
    {
      type: 'InvitationAccepted',
      data: { ...stamp, invitationId: invitation.invitationId, userId: command.userId },
    },
    {
      type: 'MemberJoined',
      data: { ...stamp, userId: command.userId, role: invitation.role, via: 'invitation' },
    },
  ];
  for (const teamId of invitation.teamIds) {
    if (org.teams.has(teamId)) {
      events.push({
        type: 'TeamMemberAdded',
        data: { ...stamp, teamId, userId: command.userId, role: 'member' },
      });
    }
  }
  // R20 in every state: grant only what the role may still hold with its prerequisites. The grant is the inviter's
  // (whoever set the invitation's permissions last), so the event names them, not the invitee, as who granted it.
  // What the role gives is held already; recorded as a grant, it would outlive a demotion (an Admin made User keeping
  // org.update and customers.manage), as grantPermissions leaves it out too.
  const byRole = catalog.roleDefaults.get(invitation.role);
  const permissions = invitedPermissionsNow(org, catalog, invitation)
    .filter((p) => !byRole?.has(p))
    .sort();
  if (permissions.length > 0) {
    // A giver whose own standing here does not give them (no member, or a User) gave them as an Admin through the
    // parent (R19): the audit says so.
    const viaParent = givenOnlyThroughParent(org, catalog, invitation);
    events.push({
      type: 'PermissionsGranted',
      data: {
        ...stamp,
        actorId: invitation.grantedBy,
        ...(viaParent ? { actingVia: org.parentOrgId } : {}),
        userId: command.userId,
        permissions,
      },
    });
  }
  return events;
}

/**
 * Terms that give more than a plain User's standing (the Admin role, or permissions) live no longer than their giver's
 * right to give them, as the giver stands now: as a member, who must still invite, hold a role as high and hold what
 * they grant; or as an Admin through the parent's `customers.manage` (R19), which they must still hold there, in this
 * organization's parent. Else an Admin or partner, removed or demoted, could still bring an account of theirs in as
 * Admin. A plain User's invitation outlives its sender (a colleague who leaves does not take back the invitations they
 * sent).
 */
export function invitationStillGiven(
  org: StandingView,
  catalog: PermissionsCatalog,
  invitation: Invitation,
): boolean {
  if (!restsOnItsGiver(invitation)) return true;
  const member = org.members.get(invitation.grantedBy);
  if (member && gives(catalog, member, invitation)) return true;
  if (!org.partnersInParent?.has(invitation.grantedBy)) return false;
  return gives(catalog, { role: 'admin', granted: member?.granted ?? new Set() }, invitation);
}

/**
 * R5, R16: whether a pending invitation to this address could be accepted by this person now (its link sent and in
 * time, its terms still given, set by someone else): it decides how they join, so auto-join leaves them to it.
 */
export function awaitsAcceptance(
  org: ActiveOrganization,
  catalog: PermissionsCatalog,
  invitee: { userId: string; email: string },
  at: string,
): boolean {
  for (const invitation of org.invitations.values())
    if (
      invitation.status === 'pending' &&
      invitation.email === invitee.email &&
      // Whoever set its terms may not take them up (`own-invitation`): it waits for nobody.
      invitation.grantedBy !== invitee.userId &&
      invitation.sendSequence > 0 &&
      !expired(invitation, at) &&
      invitationStillGiven(org, catalog, invitation)
    )
      return true;
  return false;
}

/**
 * R5, R19: whether an invitation rests on terms its giver gives here only as an Admin through the parent: its terms
 * rest on their giver, and the giver's own standing here (if any) does not give them.
 */
export function givenOnlyThroughParent(
  org: StandingView & { readonly parentOrgId?: string },
  catalog: PermissionsCatalog,
  invitation: Invitation,
): boolean {
  if (org.parentOrgId === undefined || !restsOnItsGiver(invitation)) return false;
  const member = org.members.get(invitation.grantedBy);
  return !member || !gives(catalog, member, invitation);
}

/**
 * R20 in every state: the permissions an invitation lists that could still be granted with its role, as the catalog
 * stands now (it may have changed since the invitation): known, allowed by the organization's plan, with their
 * prerequisites.
 */
function invitedPermissionsNow(
  org: ActiveOrganization,
  catalog: PermissionsCatalog,
  invitation: Invitation,
): string[] {
  const known = new Set(
    invitation.permissions.filter(
      (p) => isKnownPermission(catalog, p) && grantableInPlan(catalog, org.plan, p),
    ),
  );
  const lacking = grantsLackingPrerequisites(catalog, invitation.role, known);
  return [...known].filter((p) => !lacking.includes(p));
}

/** R5: only an invitation giving more than a plain User's standing lives no longer than its giver's right to give it. */
export function restsOnItsGiver(invitation: Invitation): boolean {
  return (
    invitation.grantedBy !== SYSTEM_ACTOR && (invitation.role !== 'user' || invitation.permissions.length > 0)
  );
}

function gives(
  catalog: PermissionsCatalog,
  giver: Pick<Member, 'role' | 'granted'>,
  invitation: Invitation,
): boolean {
  const permissions = effectivePermissions(catalog, giver.role, giver.granted);
  return givesInvitationTerms(catalog, { role: giver.role, permissions }, invitation);
}

/** An invitation whose terms nobody may give any more is as good as revoked: not accepted, not sent again. */
function refuseWhenNoLongerGiven(
  org: OrganizationView,
  catalog: PermissionsCatalog,
  invitation: Invitation,
): void {
  if (!invitationStillGiven(org, catalog, invitation))
    refuse(
      'invitation-revoked',
      'gone',
      'whoever set its terms may no longer give them (removed, demoted, or their parent link undone); an Owner or ' +
        'Admin who changes it gives them anew',
      { invitationId: invitation.invitationId },
    );
}

export function expireInvitation({
  command,
  org,
  stamp,
}: Decision<CommandOf<'ExpireInvitation'>>): OrganizationEvent[] {
  requireSystem(command, 'expiring invitations');
  const invitation = invitationOf(org, command.invitationId);
  if (invitation.status !== 'pending' || !expired(invitation, stamp.at)) return [];
  return [{ type: 'InvitationExpired', data: { ...stamp, invitationId: invitation.invitationId } }];
}

/**
 * R5, R19: a loss in the parent (a partner removed there, demoted, or losing `customers.manage`) is not this
 * organization's event: the parent's reaction asks each child to revoke the pending invitations whose givers may no
 * longer give their terms here. Only with the givers looked up in the parent (the handler does), since without them
 * every giver through it would seem gone.
 */
export function recheckInvitations({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'RecheckInvitations'>>): OrganizationEvent[] {
  requireSystem(command, 'rechecking invitations');
  if (org.parentOrgId !== undefined && org.partnersInParent === undefined) return [];
  return revocationsOf(notGivenBy(org, org, catalog, stamp.at), stamp);
}

/** The pending, unexpired invitations of `org` resting on their giver whose terms nobody gives in `standing`. */
function notGivenBy(
  org: ActiveOrganization,
  standing: StandingView,
  catalog: PermissionsCatalog,
  at: string,
): Invitation[] {
  return pendingInvitations(org).filter(
    (invitation) =>
      !expired(invitation, at) &&
      restsOnItsGiver(invitation) &&
      !invitationStillGiven(standing, catalog, invitation),
  );
}

function revocationsOf(invitations: readonly Invitation[], stamp: Stamp): OrganizationEvent[] {
  return invitations.map((invitation) => ({
    type: 'InvitationRevoked' as const,
    data: { ...stamp, invitationId: invitation.invitationId },
  }));
}

/**
 * R5: when a command takes away a giver's right to give their invitations' terms here (a demotion, a revoked grant,
 * a removal, leaving, the parent link undone), those invitations are revoked with it, by the same command: checked
 * only when sent or accepted, they would come back with the right. In an organization under a parent, a giver may
 * still give the terms as an Admin through it (R19): the command then carries who does (`giversActingViaParent`,
 * looked up by the handler), and without it only undoing the link revokes this way.
 */
export function revokedWithTheirGiver(
  before: OrganizationView,
  events: readonly OrganizationEvent[],
  catalog: PermissionsCatalog,
  stamp: Stamp,
): OrganizationEvent[] {
  const changes = standingsAfter(before, events);
  if (changes === undefined) return [];
  const { after, unlinked } = changes;
  // Under a parent, a giver may also give the terms through it (R19). A command that did not look that up (decided
  // before the handler did) leaves it to the check when the invitation is sent or accepted.
  if (!unlinked && before.parentOrgId !== undefined && before.partnersInParent === undefined) return [];
  return revocationsOf(
    notGivenBy(before, after, catalog, stamp.at).filter(
      // Unlinked, what rested on the parent is no longer given, whoever this command looked up there.
      (invitation) => unlinked || invitationStillGiven(before, catalog, invitation),
    ),
    stamp,
  );
}

/**
 * The members' standing once `events` are applied, without applying them (the state is evolved in place, later):
 * the members they change, over the others as they are. Undefined when nothing a giver stands on changed, or the
 * organization was deleted (its invitations go with it).
 */
function standingsAfter(
  org: OrganizationView,
  events: readonly OrganizationEvent[],
): { after: StandingView; unlinked: boolean } | undefined {
  const changed = new Map<string, Member | undefined>();
  const current = (userId: string) => (changed.has(userId) ? changed.get(userId) : org.members.get(userId));
  // Events name members of the organization: a role, a grant or an ownership changes for someone in it.
  const update = (userId: string, change: (member: Member) => Member) =>
    changed.set(userId, change(current(userId)!));
  let unlinked = false;
  for (const event of events)
    switch (event.type) {
      case 'MemberRoleChanged':
        update(event.data.userId, (m) => ({ ...m, role: event.data.to }));
        break;
      case 'OwnershipTransferred':
        update(event.data.from, (m) => ({ ...m, role: 'admin' }));
        update(event.data.to, (m) => ({ ...m, role: 'owner' }));
        break;
      case 'PermissionsRevoked':
        update(event.data.userId, (m) => ({
          ...m,
          granted: new Set([...m.granted].filter((p) => !event.data.permissions.includes(p))),
        }));
        break;
      case 'MemberRemoved':
      case 'MemberLeft':
        changed.set(event.data.userId, undefined);
        break;
      case 'ParentOrganizationUnlinked':
        unlinked = true;
        break;
      case 'OrganizationDeleted':
        return undefined;
    }
  if (changed.size === 0 && !unlinked) return undefined;
  return {
    after: { members: { get: current }, ...(unlinked ? {} : { partnersInParent: org.partnersInParent }) },
    unlinked,
  };
}

/** What `invitationStillGiven` reads of an organization: its members' standing, and who acts here through the parent. */
type StandingView = {
  readonly members: { get(userId: string): Member | undefined };
  readonly partnersInParent?: ReadonlySet<string>;
};

/** R5: pending invitations of one organization, open to revocation when it is deleted (R10). */
export function pendingInvitations(org: ActiveOrganization): Invitation[] {
  return [...org.invitations.values()].filter((i) => i.status === 'pending');
}

/** R11 too: a team the invitation did not name yet is one the actor may add members to. */
function invitationTerms(
  org: OrganizationView,
  catalog: PermissionsCatalog,
  command: {
    readonly actorId: string;
    readonly teamIds: readonly string[];
    readonly permissions: readonly string[];
  },
  named: readonly string[] = [],
): { teamIds: string[]; permissions: string[] } {
  for (const teamId of command.teamIds)
    aboutTeam(teamId, () => {
      const team = teamOf(org, teamId);
      if (!named.includes(teamId)) requireTeamManager(org, catalog, command.actorId, team);
    });
  return {
    teamIds: [...new Set(command.teamIds)].sort(),
    permissions: [...new Set(command.permissions)].sort(),
  };
}

/** A refusal about one of an invitation's teams names the field and the team (an import's row says which). */
function aboutTeam(teamId: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const message = error.message.includes(teamId) ? error.message : `${error.message}: team ${teamId}`;
    throw new DomainError(error.code, error.kind, message, { ...error.details, field: 'teamIds', teamId });
  }
}

/** R5: a number that is not a person's line is never invited, nor texted an invitation made before. */
function refuseImpersonalLine(phone: string | undefined): void {
  const line = phone === undefined ? undefined : impersonalLineType(phone);
  if (line)
    refuse('phone-not-personal', 'rule-violation', `invitations are not texted to ${line} numbers (R5)`, {
      field: 'phone',
      lineType: line,
    });
}

/** Whether someone who accepted an invitation to this number is a member (only an accepted one names who did). */
function joinedByLink(org: OrganizationView, phone: string): boolean {
  for (const { phone: invited, acceptedBy } of org.invitations.values())
    if (invited === phone && acceptedBy !== undefined && org.members.has(acceptedBy)) return true;
  return false;
}

function sameInvitee(invitation: Invitation, email: string | undefined, phone: string | undefined): boolean {
  return email ? invitation.email === email : invitation.phone === phone;
}

function sameTerms(
  invitation: Invitation,
  terms: { role: InvitedRole; teamIds: readonly string[]; permissions: readonly string[] },
): boolean {
  return (
    invitation.role === terms.role &&
    sameSet(invitation.teamIds, terms.teamIds) &&
    sameSet(invitation.permissions, terms.permissions)
  );
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  return left.size === new Set(b).size && b.every((x) => left.has(x));
}

/** R5, R6: a sent link lapses at its expiry; an invitation never sent has no link yet, and waits to be sent. */
export function expired(invitation: Invitation, at: string): boolean {
  return invitation.sendSequence > 0 && Date.parse(at) >= Date.parse(invitation.expiresAt);
}

function invitationOf(org: ActiveOrganization, invitationId: string): Invitation {
  const invitation = org.invitations.get(invitationId);
  if (!invitation)
    refuse('invitation-not-found', 'not-found', `no invitation ${invitationId}`, { invitationId });
  return invitation;
}

function pendingInvitation(org: ActiveOrganization, invitationId: string, at: string): Invitation {
  const invitation = invitationOf(org, invitationId);
  // Expired is one answer, whether or not the sweep has recorded it yet.
  if (invitation.status === 'expired' || (invitation.status === 'pending' && expired(invitation, at)))
    refuse('invitation-expired', 'gone', 'this invitation expired');
  if (invitation.status !== 'pending')
    refuse('invitation-not-pending', 'conflict', `the invitation is ${invitation.status}`);
  return invitation;
}
