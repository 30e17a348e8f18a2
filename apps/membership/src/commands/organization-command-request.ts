import { DomainError } from '@app/domain';
import { type OrganizationCommand } from '../organizations/organization.decider';

/**
 * The wire form of a membership command: who, for which organization, with which command id (idempotency), and the
 * command's own fields. Time is stamped by the handler; the client never supplies it.
 */
export interface OrganizationCommandRequest {
  readonly commandId: string;
  readonly orgId: string;
  readonly actorId: string;
  readonly correlationId?: string;
  /** R22: set by the gateway when the caller's access token shows a second factor (`amr` contains `otp`). */
  readonly actorTwoFactor?: boolean;
  readonly command: { readonly type: string } & Record<string, unknown>;
}

/** R5: invitations expire after 7 days unless configured otherwise. */
export const DEFAULT_INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

type FieldSpec = 'string' | 'boolean' | 'integer' | 'string[]' | 'string[]?' | 'slots' | readonly string[];
const FIELDS: Record<OrganizationCommand['type'], Record<string, FieldSpec>> = {
  CreateOrganization: { name: 'string' },
  AdmitMember: { userId: 'string', role: ['admin', 'user'], via: ['invitation', 'auto-join'] },
  ChangeMemberRole: { userId: 'string', role: ['admin', 'user'] },
  TransferOwnership: { newOwnerId: 'string' },
  GrantPermissions: { userId: 'string', permissions: 'string[]' },
  RevokePermissions: { userId: 'string', permissions: 'string[]' },
  SetSchedulable: { userId: 'string', schedulable: 'boolean' },
  RemoveMember: { userId: 'string' },
  LeaveOrganization: {},
  CreateTeam: { teamId: 'string', name: 'string' },
  RenameTeam: { teamId: 'string', name: 'string' },
  DeleteTeam: { teamId: 'string' },
  AddTeamMember: { teamId: 'string', userId: 'string', role: ['manager', 'member'] },
  RemoveTeamMember: { teamId: 'string', userId: 'string' },
  DeleteOrganization: {},
  RemoveDeletedUser: { userId: 'string', ownedOrganizationsConfirmed: 'boolean' },
  InviteMember: {
    invitationId: 'string',
    role: ['admin', 'user'],
    teamIds: 'string[]?',
    permissions: 'string[]?',
    send: 'boolean',
  },
  ChangeInvitation: {
    invitationId: 'string',
    role: ['admin', 'user'],
    teamIds: 'string[]?',
    permissions: 'string[]?',
  },
  SendInvitation: { invitationId: 'string' },
  RevokeInvitation: { invitationId: 'string' },
  AcceptInvitation: { invitationId: 'string', sendSequence: 'integer', userId: 'string' },
  ExpireInvitation: { invitationId: 'string' },
  UpdateSettings: {},
  SetContactPerson: { userId: 'string' },
  SetAvailability: { userId: 'string', available: 'boolean', weekly: 'slots' },
  ClaimDomain: { domain: 'string' },
  ReleaseDomain: { domain: 'string' },
  AutoJoinMember: { userId: 'string', email: 'string' },
  LinkChildOrganization: { childOrgId: 'string' },
  UnlinkChildOrganization: { childOrgId: 'string' },
  AttachToParent: { parentOrgId: 'string' },
  DetachFromParent: { parentOrgId: 'string' },
  RequestPasswordReset: { userId: 'string' },
};

/** Steps the handler takes itself (the child's side of a link): never accepted from a caller. */
const INTERNAL: ReadonlySet<string> = new Set(['AttachToParent', 'DetachFromParent']);
const OPTIONAL: Partial<Record<OrganizationCommand['type'], Record<string, FieldSpec>>> = {
  CreateOrganization: { plan: 'string' },
  InviteMember: { email: 'string', phone: 'string', inviteeUserId: 'string' },
  AcceptInvitation: { email: 'string', phone: 'string' },
  UpdateSettings: {
    name: 'string',
    autoJoin: 'boolean',
    membersMayEditOwnAvailability: 'boolean',
    requireTwoFactor: 'boolean',
  },
};

function invalid(field: string, message: string): never {
  throw new DomainError('validation-failed', 'validation', `${field}: ${message}`, { field });
}

function nonEmptyString(value: unknown, field: string, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    invalid(field, `must be a non-empty string of at most ${max} characters`);
  return value;
}

function checkField(value: unknown, spec: FieldSpec, field: string): void {
  if (spec === 'string') nonEmptyString(value, field);
  else if (spec === 'slots') {
    if (
      !Array.isArray(value) ||
      value.length > 50 ||
      !value.every((v) => typeof v === 'object' && v !== null)
    ) {
      invalid(field, 'must be a list of at most 50 {day, from, to} slots');
    }
  } else if (spec === 'integer') {
    if (!Number.isInteger(value) || (value as number) < 0) invalid(field, 'must be a whole number');
  } else if (spec === 'string[]?') {
    if (value === undefined) return;
    if (
      !Array.isArray(value) ||
      value.length > 50 ||
      !value.every((v) => typeof v === 'string' && v !== '')
    ) {
      invalid(field, 'must be a list of at most 50 non-empty strings');
    }
  } else if (spec === 'boolean') {
    if (typeof value !== 'boolean') invalid(field, 'must be true or false');
  } else if (spec === 'string[]') {
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      value.length > 50 ||
      !value.every((v) => typeof v === 'string' && v !== '')
    ) {
      invalid(field, 'must be a list of 1 to 50 non-empty strings');
    }
  } else if (!spec.includes(value as string)) invalid(field, `must be one of ${spec.join(', ')}`);
}

/** Checks the shape of an incoming request and turns it into a domain command; unknown fields are refused by name. */
export function parseOrganizationCommand(
  raw: unknown,
  at: string,
  invitationLifetimeMs = DEFAULT_INVITATION_LIFETIME_MS,
): { request: OrganizationCommandRequest; command: OrganizationCommand } {
  if (typeof raw !== 'object' || raw === null) invalid('body', 'must be an object');
  const r = raw as Record<string, unknown>;
  const commandId = nonEmptyString(r.commandId, 'commandId', 100);
  const orgId = nonEmptyString(r.orgId, 'orgId', 100);
  const actorId = nonEmptyString(r.actorId, 'actorId', 100);
  if (r.correlationId !== undefined) nonEmptyString(r.correlationId, 'correlationId', 128);
  if (typeof r.command !== 'object' || r.command === null) invalid('command', 'must be an object');
  const command = r.command as Record<string, unknown>;
  const type = command.type as OrganizationCommand['type'];
  const fields = Object.hasOwn(FIELDS, type) ? FIELDS[type] : undefined;
  if (typeof type !== 'string' || !fields || INTERNAL.has(type))
    invalid('command.type', `unknown command ${String(command.type)}`);
  if (r.actorTwoFactor !== undefined && typeof r.actorTwoFactor !== 'boolean')
    invalid('actorTwoFactor', 'must be true or false');
  const optional = OPTIONAL[type] ?? {};
  for (const [field, spec] of Object.entries(fields)) checkField(command[field], spec, `command.${field}`);
  for (const [field, spec] of Object.entries(optional))
    if (command[field] !== undefined) checkField(command[field], spec, `command.${field}`);
  for (const field of Object.keys(command)) {
    if (field !== 'type' && !(field in fields) && !(field in optional))
      invalid(`command.${field}`, 'is not a field of this command');
  }
  const request = raw as OrganizationCommandRequest;
  if (type === 'InviteMember' || type === 'ChangeInvitation') {
    command.teamIds ??= [];
    command.permissions ??= [];
  }
  if (type === 'InviteMember' || type === 'SendInvitation') {
    command.expiresAt = new Date(Date.parse(at) + invitationLifetimeMs).toISOString();
  }
  const domainCommand = {
    ...command,
    actorId,
    at,
    ...(r.actorTwoFactor === true ? { actorTwoFactor: true } : {}),
    ...(type === 'CreateOrganization' ? { orgId } : {}),
  } as OrganizationCommand;
  return { request: { ...request, commandId, orgId, actorId }, command: domainCommand };
}
