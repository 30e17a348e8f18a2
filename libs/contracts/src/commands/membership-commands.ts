import { Type } from '@sinclair/typebox';
import { command, Fields, internalCommand, type CommandDescription } from './command-description';

const { id, name, email, phone, permission, invitedRole, teamRole, boolean } = Fields;
const permissions = Type.Array(permission, { minItems: 1, maxItems: 50 });
const optionalIds = Type.Optional(Type.Array(id, { maxItems: 50 }));
const optionalPermissions = Type.Optional(Type.Array(permission, { maxItems: 50 }));
const timeOfDay = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });
const slot = Type.Object(
  { day: Type.Integer({ minimum: 0, maximum: 6 }), from: timeOfDay, to: timeOfDay },
  { additionalProperties: false },
);

/**
 * Every membership command, as sent on `membership.commands.v1` inside a signed request
 * `{ commandId, orgId, actorId, correlationId?, actorTwoFactor?, command: { type, ...fields }, auth }`.
 * The organization's rules (decide) check the rest; these check shape, size and who may send.
 */
export const MEMBERSHIP_COMMANDS = {
  CreateOrganization: command(
    'R1: create an organization; the actor becomes its Owner',
    { name, plan: Type.Optional(id) },
    { twoFactor: false },
  ),
  ChangeMemberRole: command('R3: change a member between Admin and User', { userId: id, role: invitedRole }),
  TransferOwnership: command('R2: hand the Owner role to another member', { newOwnerId: id }),
  GrantPermissions: command('R20: grant a member extra permissions', { userId: id, permissions }),
  RevokePermissions: command('R20: revoke granted permissions', { userId: id, permissions }),
  SetSchedulable: command('R15: mark a member schedulable (a billable seat) or not', {
    userId: id,
    schedulable: boolean,
  }),
  RemoveMember: command('R8: remove a member (and from every team)', { userId: id }),
  LeaveOrganization: command('R9: leave the organization', {}, { twoFactor: false }),
  CreateTeam: command('R11: create a team', {
    teamId: id,
    name: Fields.teamName,
  }),
  RenameTeam: command('R11: rename a team', {
    teamId: id,
    name: Fields.teamName,
  }),
  DeleteTeam: command('R11: delete a team', { teamId: id }),
  AddTeamMember: command('R11, R12: add a member to a team, or change their team role', {
    teamId: id,
    userId: id,
    role: teamRole,
  }),
  RemoveTeamMember: command('R11: take a member out of a team', { teamId: id, userId: id }),
  DeleteOrganization: command('R10: delete the organization', {}),
  InviteMember: command('R5, R6: invite by e-mail or phone, sent now or later', {
    invitationId: id,
    email: Type.Optional(email),
    phone: Type.Optional(phone),
    role: invitedRole,
    teamIds: optionalIds,
    permissions: optionalPermissions,
    send: boolean,
  }),
  ImportInvitations: command('R7: invite many, row by row, with a result per row', {
    rows: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1_000 }),
    send: Type.Optional(boolean),
  }),
  ChangeInvitation: command('R5: change the role, teams or permissions of a pending invitation', {
    invitationId: id,
    role: invitedRole,
    teamIds: optionalIds,
    permissions: optionalPermissions,
  }),
  SendInvitation: command('R5, R6: send or resend an invitation (a new link)', { invitationId: id }),
  RevokeInvitation: command('R5: revoke a pending invitation', { invitationId: id }),
  EraseInvitee: command(
    'Erase a person known only by the address they were invited at: an operator’s command, sent by the gateway',
    {
      invitationIds: Type.Array(id, { minItems: 1, maxItems: 1_000 }),
      addressKey: Type.String({ pattern: '^addr-[A-Za-z0-9_-]{8,64}$' }),
    },
    { twoFactor: false },
  ),
  AcceptInvitation: command(
    'R5: the invited person accepts (identity vouches for their verified e-mail or phone)',
    {
      invitationId: id,
      sendSequence: Type.Integer({ minimum: 1 }),
      userId: id,
      email: Type.Optional(email),
      phone: Type.Optional(phone),
    },
    { senders: ['identity'], twoFactor: false },
  ),
  UpdateSettings: command('R14, R16, R22: change name, auto-join, availability policy, 2FA requirement', {
    name: Type.Optional(name),
    autoJoin: Type.Optional(boolean),
    membersMayEditOwnAvailability: Type.Optional(boolean),
    requireTwoFactor: Type.Optional(boolean),
  }),
  SetContactPerson: command('make a member the contact person; without userId, the Owner again', {
    userId: Type.Optional(id),
  }),
  SetAvailability: command('R14: set a member’s availability', {
    userId: id,
    available: boolean,
    weekly: Type.Array(slot, { maxItems: 50 }),
  }),
  ClaimDomain: command('R16: claim an e-mail domain', {
    domain: Type.String({ minLength: 1, maxLength: 253 }),
  }),
  ReleaseDomain: command('R16: release a claimed domain', {
    domain: Type.String({ minLength: 1, maxLength: 253 }),
  }),
  LinkChildOrganization: command('R19: link a child organization', { childOrgId: id }),
  UnlinkChildOrganization: command('R19: unlink a child organization', { childOrgId: id }),
  RequestPasswordReset: command('R17: send a member a password reset link', { userId: id }),
  AdmitMember: internalCommand('add a member directly (seeding, operators)', {
    userId: id,
    role: invitedRole,
    via: Type.Union([Type.Literal('invitation'), Type.Literal('auto-join')]),
  }),
  AutoJoinMember: internalCommand(
    'R16, R18: a verified address joins the organization that claimed its domain',
    { userId: id, email, verifiedAt: Type.String({ format: 'date-time' }) },
  ),
  RemoveDeletedUser: internalCommand('R10: reaction to an account deletion', {
    userId: id,
    ownedOrganizationsConfirmed: boolean,
  }),
  ExpireInvitation: internalCommand('R5: record an expired invitation', { invitationId: id }),
  RecheckInvitations: internalCommand(
    'R5, R19: revoke the pending invitations whose givers may no longer give them, after a loss in the parent',
    {},
  ),
  AttachToParent: internalCommand('R19: the child side of a link', { parentOrgId: id }),
  DetachFromParent: internalCommand('R19: the child side of an unlink', { parentOrgId: id }),
} satisfies Record<string, CommandDescription>;

export type MembershipCommandType = keyof typeof MEMBERSHIP_COMMANDS;

/**
 * `{ query: 'DescribeInvitation', token }`: who may ask what an invitation link stands for. Identity alone, before
 * registering from a link; the gateway's preview reads its read models.
 */
export const DESCRIBE_INVITATION_SENDERS = ['identity'] as const;
