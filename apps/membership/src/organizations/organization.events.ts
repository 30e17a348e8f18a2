import { type Role } from '@app/permissions';

/** Every event says who did it and when (R21); `orgId` makes each one self-describing for the public contract. */
interface Stamp {
  readonly orgId: string;
  readonly actorId: string;
  readonly at: string;
}

export type OrganizationEvent =
  | { type: 'OrganizationCreated'; data: Stamp & { name: string; ownerId: string; plan: string } }
  | {
      type: 'MemberJoined';
      data: Stamp & {
        userId: string;
        role: Exclude<Role, 'owner'>;
        via: 'invitation' | 'auto-join';
        /** R22: the organization requires two-factor authentication and the new member is asked to enroll. */
        twoFactorEnrollmentRequired?: boolean;
      };
    }
  | { type: 'MemberRoleChanged'; data: Stamp & { userId: string; from: Role; to: Role } }
  | { type: 'OwnershipTransferred'; data: Stamp & { from: string; to: string } }
  | {
      type: 'PermissionsGranted';
      /** `actingVia`: the parent through which `actorId` gave them (R19), when that is not the command's own actor. */
      data: Stamp & { userId: string; permissions: string[]; actingVia?: string };
    }
  | { type: 'PermissionsRevoked'; data: Stamp & { userId: string; permissions: string[] } }
  | { type: 'SchedulableChanged'; data: Stamp & { userId: string; schedulable: boolean } }
  | { type: 'SeatsChanged'; data: Stamp & { seats: number } }
  | { type: 'MemberRemoved'; data: Stamp & { userId: string } }
  | { type: 'MemberLeft'; data: Stamp & { userId: string } }
  | { type: 'TeamCreated'; data: Stamp & { teamId: string; name: string } }
  | { type: 'TeamRenamed'; data: Stamp & { teamId: string; name: string } }
  | {
      type: 'TeamDeleted';
      data: Stamp & { teamId: string; reason: 'deleted' | 'emptied' | 'organization-deleted' };
    }
  | { type: 'TeamMemberAdded'; data: Stamp & { teamId: string; userId: string; role: TeamRole } }
  | { type: 'TeamMemberRemoved'; data: Stamp & { teamId: string; userId: string } }
  /** By the Owner (R10), or, by the system, with its Owner's account (`reason`, naming that Owner). */
  | {
      type: 'OrganizationDeleted';
      data: Stamp & { reason?: 'owner-account-deleted'; ownerId?: string };
    }
  | {
      type: 'InvitationCreated';
      data: Stamp & {
        invitationId: string;
        email?: string;
        phone?: string;
        role: InvitedRole;
        teamIds: string[];
        permissions: string[];
        expiresAt: string;
      };
    }
  | {
      type: 'InvitationChanged';
      data: Stamp & { invitationId: string; role: InvitedRole; teamIds: string[]; permissions: string[] };
    }
  /** The link is derived from invitation id + send sequence; a new sequence makes the previous link stop working (R5). */
  | {
      type: 'InvitationSent';
      data: Stamp & {
        invitationId: string;
        sendSequence: number;
        expiresAt: string;
        /** Whom to deliver the link to, and what it is for: the notifications service needs nothing else. */
        email?: string;
        phone?: string;
        orgName?: string;
        role?: InvitedRole;
      };
    }
  | { type: 'InvitationRevoked'; data: Stamp & { invitationId: string } }
  /** The invitee behind these invitations is erased: their address reads as erased from now on. */
  | { type: 'InviteeErased'; data: Stamp & { invitationIds: string[]; erasedKeys: string[] } }
  | { type: 'InvitationAccepted'; data: Stamp & { invitationId: string; userId: string } }
  | { type: 'InvitationExpired'; data: Stamp & { invitationId: string } }
  | { type: 'SettingsUpdated'; data: Stamp & OrganizationSettings }
  | { type: 'ContactPersonChanged'; data: Stamp & { userId: string } }
  | { type: 'AvailabilityChanged'; data: Stamp & { userId: string } & Availability }
  | { type: 'DomainClaimed'; data: Stamp & { domain: string } }
  | { type: 'DomainReleased'; data: Stamp & { domain: string } }
  | { type: 'ChildOrganizationLinked'; data: Stamp & { childOrgId: string } }
  | { type: 'ChildOrganizationUnlinked'; data: Stamp & { childOrgId: string } }
  | { type: 'ParentOrganizationLinked'; data: Stamp & { parentOrgId: string } }
  | { type: 'ParentOrganizationUnlinked'; data: Stamp & { parentOrgId: string } }
  | { type: 'PasswordResetRequested'; data: Stamp & { userId: string } };

export interface OrganizationSettings {
  readonly name: string;
  readonly autoJoin: boolean;
  readonly membersMayEditOwnAvailability: boolean;
  readonly requireTwoFactor: boolean;
}

/** R14: a weekly schedule (day 0 = Sunday, times HH:MM) and an available/unavailable switch. */
export interface Availability {
  readonly available: boolean;
  readonly weekly: readonly { readonly day: number; readonly from: string; readonly to: string }[];
}

export type InvitedRole = 'admin' | 'user';

export type TeamRole = 'manager' | 'member';
export type OrganizationEventType = OrganizationEvent['type'];
