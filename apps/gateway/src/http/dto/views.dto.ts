import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';

/** The shapes the API answers with, for the OpenAPI document (the views in queries/views.ts build them). */

const ID = '3f0c1d2e-5b6a-4c7d-8e9f-0a1b2c3d4e5f';
const AT = '2026-11-30T12:00:00.000Z';

export class UserView {
  @ApiProperty({ example: ID }) userId!: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiPropertyOptional({ example: '+442079460958' }) phone?: string;
  @ApiPropertyOptional({
    example: 'de',
    enum: ['en', 'de'],
    description: 'the language of messages to the user',
  })
  locale?: string;
  @ApiProperty() emailVerified!: boolean;
  @ApiProperty() twoFactorEnabled!: boolean;
}

export class SettingsView {
  @ApiProperty({ description: 'R16: verified addresses at a claimed domain join as Users' })
  autoJoin!: boolean;
  @ApiProperty({ description: 'R14' }) membersMayEditOwnAvailability!: boolean;
  @ApiProperty({ description: 'R22' }) requireTwoFactor!: boolean;
}

export class OrganizationView {
  @ApiProperty({ example: ID }) orgId!: string;
  @ApiProperty({ example: 'Acme' }) name!: string;
  @ApiProperty({ example: 'standard' }) plan!: string;
  @ApiPropertyOptional({
    example: ID,
    description:
      'to holders of members.read, and to the Owner; a User sees the Owner tag on members they see (R13)',
  })
  ownerId?: string;
  @ApiPropertyOptional({ example: ID, description: 'as ownerId' }) contactPersonId?: string;
  @ApiProperty({ type: SettingsView }) settings!: SettingsView;
  @ApiPropertyOptional({ type: [String], description: 'holders of org.update', example: ['acme.com'] })
  domains?: string[];
  @ApiPropertyOptional({ example: ID, description: 'R19; shown to holders of members.read' })
  parentOrgId?: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'holders of members.read, unless acting through the parent (R19)',
  })
  childOrgIds?: string[];
  @ApiPropertyOptional({ description: 'holders of members.read', example: 12 }) memberCount?: number;
  @ApiPropertyOptional({ description: 'R15, holders of org.billing', example: 4 }) seats?: number;
  @ApiProperty({ enum: ['owner', 'admin', 'user'] }) myRole!: string;
  @ApiPropertyOptional({ example: ID, description: 'R19: I act here as Admin through this parent' })
  actingVia?: string;
  @ApiProperty({ type: [String], example: ['members.read', 'teams.create'] }) myPermissions!: string[];
}

export class MyOrganizationView {
  @ApiProperty({ example: ID }) orgId!: string;
  @ApiProperty({ example: 'Acme' }) name!: string;
  @ApiProperty({ enum: ['owner', 'admin', 'user'] }) role!: string;
  @ApiProperty({ type: [String], example: ['admin', 'schedulable'] }) tags!: string[];
}

export class MemberTeamView {
  @ApiProperty({ example: ID }) teamId!: string;
  @ApiPropertyOptional({
    example: 'Front desk',
    description: 'absent only while the team is not projected yet',
  })
  name?: string;
  @ApiProperty({ enum: ['manager', 'member'] }) role!: string;
}

export class WeeklySlotView {
  @ApiProperty({ example: 1, description: '0 = Sunday .. 6 = Saturday' }) day!: number;
  @ApiProperty({ example: '09:00' }) from!: string;
  @ApiProperty({ example: '17:00' }) to!: string;
}

export class AvailabilityView {
  @ApiProperty() available!: boolean;
  @ApiProperty({ type: [WeeklySlotView] }) weekly!: WeeklySlotView[];
}

export class MemberView {
  @ApiProperty({ example: ID }) userId!: string;
  @ApiPropertyOptional({ example: 'Bob' }) name?: string;
  @ApiPropertyOptional({ example: 'bob@example.com' }) email?: string;
  @ApiProperty({ enum: ['owner', 'admin', 'user'] }) role!: string;
  @ApiProperty({ type: [String], example: ['admin', 'schedulable', 'contact-person'] }) tags!: string[];
  @ApiProperty({ type: [String], description: 'effective: role defaults and grants' }) permissions!: string[];
  @ApiProperty({ type: [String], description: 'granted individually (R20)' }) granted!: string[];
  @ApiProperty() schedulable!: boolean;
  @ApiProperty() contactPerson!: boolean;
  @ApiProperty({ type: [MemberTeamView] }) teams!: MemberTeamView[];
  @ApiPropertyOptional({ type: AvailabilityView }) availability?: AvailabilityView;
  @ApiProperty({ example: AT }) joinedAt!: string;
}

export class TeamMemberView {
  @ApiProperty({ example: ID }) userId!: string;
  @ApiProperty({ enum: ['manager', 'member'] }) role!: string;
}

export class TeamView {
  @ApiProperty({ example: ID }) teamId!: string;
  @ApiProperty({ example: 'Front desk' }) name!: string;
  @ApiProperty({ type: [TeamMemberView], description: 'members and managers (R11, R12)' })
  members!: TeamMemberView[];
  @ApiProperty({ example: AT }) createdAt!: string;
}

export class InvitationView {
  @ApiProperty({ example: ID }) invitationId!: string;
  @ApiPropertyOptional({ example: 'new@example.com' }) email?: string;
  @ApiPropertyOptional({ example: '+14155550100' }) phone?: string;
  @ApiProperty({ enum: ['admin', 'user'] }) role!: string;
  @ApiProperty({ type: [String] }) teamIds!: string[];
  @ApiProperty({ type: [String] }) permissions!: string[];
  @ApiProperty({ enum: ['pending', 'accepted', 'revoked', 'expired'] }) status!: string;
  @ApiProperty({ description: 'a link went out (R6: an invitation may be sent later)' }) sent!: boolean;
  @ApiPropertyOptional({
    example: AT,
    description:
      'when the sent link lapses (R5); absent while never sent, since an unsent invitation waits (R6)',
  })
  expiresAt?: string;
  @ApiProperty({ example: ID }) invitedBy!: string;
  @ApiProperty({ example: AT }) createdAt!: string;
  @ApiPropertyOptional({ example: ID }) acceptedBy?: string;
}

export class InvitationPreview {
  @ApiProperty({ example: 'Acme' }) orgName!: string;
  @ApiProperty({ enum: ['admin', 'user'] }) role!: string;
  @ApiPropertyOptional({ example: 'new@example.com' }) email?: string;
  @ApiPropertyOptional({ example: '+14155550100' }) phone?: string;
  @ApiProperty({ example: AT }) expiresAt!: string;
  @ApiProperty({ description: 'sign in and accept, or register from the link' }) accountExists!: boolean;
}

export class InvitationAcceptance {
  @ApiProperty({ enum: ['member', 'accepted'], description: '`accepted` (202): not yet in the read models' })
  status!: string;
  @ApiProperty({ example: ID }) userId!: string;
  @ApiProperty({ example: ID }) orgId!: string;
  @ApiProperty({ example: ID }) invitationId!: string;
}

export class ImportRowError {
  @ApiProperty({ example: 'validation-failed' }) code!: string;
  @ApiProperty({ example: 'not an e-mail address' }) message!: string;
  @ApiPropertyOptional({ example: 'email', description: 'the column at fault' }) field?: string;
}

export class ImportRowResult {
  @ApiProperty({
    example: 0,
    description:
      "The row's place in `rows`, from 0; in a CSV, 0 is the first row after the header (blank lines and lines of empty cells are not counted)",
  })
  row!: number;
  @ApiPropertyOptional({
    example: 2,
    description:
      'A CSV import: the line of the file the row starts on, as an editor or spreadsheet numbers it (1 is the header)',
  })
  line?: number;
  @ApiProperty({
    enum: ['invited', 'unchanged', 'refused'],
    description:
      '`unchanged`: the same invitation was already there (an import run again invites nobody twice)',
  })
  status!: string;
  @ApiPropertyOptional({ example: ID }) invitationId?: string;
  @ApiPropertyOptional({ type: () => ImportRowError }) error?: ImportRowError;
}

export class ImportResult {
  @ApiProperty({ type: [ImportRowResult] }) results!: ImportRowResult[];
}

export class AuditEventView {
  @ApiProperty({ example: 7, description: 'the organization stream revision: oldest first' })
  revision!: number;
  @ApiProperty({ example: ID }) eventId!: string;
  @ApiProperty({ example: 'MemberRoleChanged' }) type!: string;
  @ApiProperty({ example: ID }) actorId!: string;
  @ApiPropertyOptional({
    example: 'Ada Lovelace',
    description:
      'the actor’s name at that instant (R21), if they are or were a member of this organization (not an operator, nor an agent of a parent organization); `erased user <actorId>` once their account was deleted and erased',
  })
  actorName?: string;
  @ApiPropertyOptional({ example: ID, description: 'R19: acting as Admin through this parent' })
  actingVia?: string;
  @ApiPropertyOptional({
    example: 'Bob Babbage',
    description: 'where the event names a member (`data.userId`): their name at that instant, as `actorName`',
  })
  userName?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { [ID]: 'Bob Babbage' },
    description:
      'the other people `data` names by id, besides the member of `userName` (an organization’s first `ownerId`, both Owners of a transfer’s `from` and `to`), each by their name at that instant, as `actorName`; absent when there are none who are or were members',
  })
  names?: Record<string, string>;
  @ApiProperty({ example: AT }) at!: string;
  @ApiProperty({ example: 'b1e2c3d4-0000-4000-8000-000000000001' }) correlationId!: string;
  @ApiProperty({ example: { userId: ID, from: 'user', to: 'admin' } }) data!: Record<string, unknown>;
}

export class RosterTeamView {
  @ApiProperty({ example: ID }) teamId!: string;
  @ApiProperty({ example: 'Front desk' }) name!: string;
  @ApiProperty({ enum: ['manager', 'member'] }) role!: string;
}

export class RosterEntryView {
  @ApiProperty({ example: ID }) userId!: string;
  @ApiProperty({
    example: 'Ada Lovelace',
    description:
      'the member’s name at that instant (R21); `erased user <userId>` once their account was deleted and erased',
  })
  name!: string;
  @ApiProperty({ enum: ['owner', 'admin', 'user'] }) role!: string;
  @ApiProperty({
    type: [String],
    description:
      'the role’s defaults recorded for that instant (R21; the gateway’s catalog where none were recorded) plus `granted`; for an interval closed before intervals kept grants, as projected then',
  })
  permissions!: string[];
  @ApiPropertyOptional({
    type: [String],
    description:
      'the member’s own grants then; absent for an interval closed before the read models kept grants (until a rebuild)',
  })
  granted?: string[];
  @ApiProperty({ type: [RosterTeamView] }) teams!: RosterTeamView[];
}

export class RosterView {
  @ApiProperty({
    example: AT,
    description: 'the instant answered: every page of one roster answers the same',
  })
  at!: string;
  @ApiProperty({ type: [RosterEntryView], description: 'in the order of their user ids' })
  members!: RosterEntryView[];
  @ApiPropertyOptional({
    description: 'present when more members follow: pass it, with `at`, for the next page',
  })
  nextCursor?: string;
}

export class SessionView {
  @ApiPropertyOptional({ description: 'EdDSA JWT, 5 minutes' }) accessToken?: string;
  @ApiPropertyOptional({ description: 'rotated on every refresh' }) refreshToken?: string;
  @ApiPropertyOptional({ example: ID }) userId?: string;
  @ApiPropertyOptional({
    enum: ['authenticated', 'two-factor-required'],
    description:
      '`authenticated` with the tokens; `two-factor-required` (R22) with a `challenge` to finish at /v1/auth/login/two-factor',
  })
  status?: string;
  @ApiPropertyOptional({ description: 'R22: the challenge for the second step' }) challenge?: string;
  @ApiPropertyOptional({ example: '2026-12-05T10:05:00.000Z', description: 'when the access token expires' })
  accessTokenExpiresAt?: string;
  @ApiPropertyOptional({
    example: '2026-12-19T10:00:00.000Z',
    description: 'when the refresh token expires unless refreshed first',
  })
  refreshTokenExpiresAt?: string;
  @ApiPropertyOptional({ example: ID, description: 'the session the tokens belong to (logout ends it)' })
  sessionId?: string;
}

export class EmailChangeView {
  @ApiProperty({ enum: ['confirmation-sent'] }) status!: string;
  @ApiProperty({
    example: 'ada@new.example',
    description: 'the address asked for; the account keeps its address until the link mailed here is used',
  })
  pendingEmail!: string;
  @ApiPropertyOptional({
    example: '2026-12-06T10:00:00.000Z',
    description:
      'when the link sent now stops working; absent when none was sent (too many this hour to that address: an earlier one still works)',
  })
  expiresAt?: string;
}

export class AcceptedView {
  @ApiProperty({ enum: ['accepted'] }) status!: string;
  @ApiPropertyOptional({
    example: '12',
    nullable: true,
    description: 'the revision the read models will reach',
  })
  revision?: string | null;
  @ApiPropertyOptional({ example: ID, description: 'creating an organization: its id (also in `Location`)' })
  orgId?: string;
  @ApiPropertyOptional({ example: ID, description: 'creating a team: its id (also in `Location`)' })
  teamId?: string;
  @ApiPropertyOptional({ example: ID, description: 'an invitation: its id (also in `Location`)' })
  invitationId?: string;
}

export class SeatsView {
  @ApiProperty({ example: 4, description: 'R15: active schedulable members' }) seats!: number;
}

export class DomainItem {
  @ApiProperty({ example: 'acme.com' }) domain!: string;
}

export class ChildItem {
  @ApiProperty({ example: ID }) orgId!: string;
}

export class TwoFactorEnrollmentView {
  @ApiProperty({ description: 'base32 secret, for manual entry' }) secret!: string;
  @ApiProperty({ example: 'otpauth://totp/Identity:ada@example.com?secret=...' }) otpauthUri!: string;
}

export class OpenSessionView {
  @ApiProperty({ example: ID, description: 'the session, as the `sid` of its access tokens' })
  sessionId!: string;
  @ApiProperty({ example: '2026-12-07T09:00:00.000Z', description: 'when it was signed in to' })
  signedInAt!: string;
  @ApiProperty({
    example: '2026-12-07T10:55:00.000Z',
    description: 'when it was last signed in to or refreshed',
  })
  lastUsedAt!: string;
  @ApiProperty({ example: '2027-01-06T10:55:00.000Z', description: 'when it ends unless refreshed before' })
  expiresAt!: string;
  @ApiProperty({ description: 'R22: signed in with a second factor' })
  secondFactor!: boolean;
  @ApiProperty({ description: 'the session this request was made in' })
  current!: boolean;
}

export class RecoveryCodesView {
  @ApiProperty({ type: [String], description: 'each usable once instead of a code; shown once' })
  recoveryCodes!: string[];
}

export class DeletedAccountView {
  @ApiProperty({ type: [String], description: 'R10: organizations deleted with the account' })
  deletedOrganizationIds!: string[];
}

/** `status` answers with `type`, or 202 `{ status: "accepted", revision }` when the read models lag (read-your-writes). */
export function answers(status: 200 | 201 | 202, type: Type<unknown>, options: { lagging?: boolean } = {}) {
  return applyDecorators(
    ApiResponse({ status, type }),
    ...(options.lagging !== false && status !== 202
      ? [
          ApiResponse({
            status: 202,
            type: AcceptedView,
            description: 'done, but the read models have not shown it within READ_YOUR_WRITES_MS',
          }),
        ]
      : []),
  );
}

/** A page of `type`: `{ items, nextCursor? }`; made by a command (201), or 202 while the read models lag. */
export function answersPage(type: Type<unknown>, status: 200 | 201 = 200) {
  return applyDecorators(
    ApiExtraModels(type),
    ...(status === 201
      ? [
          ApiResponse({
            status: 202,
            type: AcceptedView,
            description: 'done, but the read models have not shown it within READ_YOUR_WRITES_MS',
          }),
        ]
      : []),
    ApiResponse({
      status,
      schema: {
        type: 'object',
        required: ['items'],
        properties: {
          items: { type: 'array', items: { $ref: getSchemaPath(type) } },
          nextCursor: {
            type: 'string',
            description: 'pass as `cursor` for the next page; absent on the last',
          },
        },
      },
    }),
  );
}

/** 204: done, nothing to answer with. */
export function done() {
  return ApiResponse({ status: 204, description: 'done' });
}

/** 204 once the read models show the change; 202 with the revision when they lag beyond READ_YOUR_WRITES_MS. */
export function doneOrLagging() {
  return applyDecorators(
    done(),
    ApiResponse({
      status: 202,
      type: AcceptedView,
      description: 'done, but the read models have not shown it within READ_YOUR_WRITES_MS',
    }),
  );
}

export class RebuildStatusView {
  @ApiProperty({ example: ID }) rebuildId!: string;
  @ApiProperty({ enum: ['running', 'done', 'failed'] }) state!: string;
  @ApiProperty({ example: ID, description: 'the operator who started it' }) startedBy!: string;
  @ApiProperty({ example: AT }) startedAt!: string;
  @ApiPropertyOptional({ example: AT }) finishedAt?: string;
  @ApiProperty({ example: 120000 }) events!: number;
  @ApiProperty({ example: 45000 }) eventsPerSecond!: number;
  @ApiProperty({ example: '987654', description: 'the event store commit position reached' })
  position!: string;
  @ApiProperty({ example: 0.42, description: 'of the store as it was when the rebuild began' })
  fraction!: number;
  @ApiPropertyOptional({ example: 3 }) etaSeconds?: number;
  @ApiPropertyOptional() error?: string;
}

export class ErasedInvitationsView {
  @ApiProperty({ example: ID }) orgId!: string;
  @ApiProperty({ type: [String] }) invitationIds!: string[];
}

export class InviteeErasedView {
  @ApiProperty({
    example: 'addr-Tjk4zuy7YdVRTr2T-DhMaeGg',
    description: 'the id of the key destroyed (opaque)',
  })
  erasedKey!: string;
  @ApiProperty({
    type: [ErasedInvitationsView],
    description: 'the organizations that recorded InviteeErased, with the invitations to the address',
  })
  organizations!: ErasedInvitationsView[];
}

export class PermissionView {
  @ApiProperty({ example: 'members.invite' }) name!: string;
  @ApiProperty({
    example: 'invite people, import invitations, and change, send, resend or revoke invitations',
  })
  gates!: string;
  @ApiProperty({
    type: [String],
    example: ['members.read'],
    description: 'R20: held (by role or grant) before this one can be granted',
  })
  requires!: string[];
  @ApiProperty({
    enum: ['owner', 'admin', 'user'],
    description: 'the lowest role that may hold it; `owner`: an Owner-only power, never granted',
  })
  minimumRole!: string;
  @ApiProperty({
    type: [String],
    enum: ['owner', 'admin', 'user'],
    example: ['owner', 'admin'],
    description: 'the roles that hold it without a grant',
  })
  heldBy!: string[];
  @ApiProperty({
    type: [String],
    example: ['standard'],
    description: "the plans in which it may be granted (R20); an organization's plan is in its view",
  })
  grantableIn!: string[];
}

export class PermissionsView {
  @ApiProperty({ type: [PermissionView] }) permissions!: PermissionView[];
}
