import { type Availability, type InvitedRole, type TeamRole } from './organization.events';

/**
 * Who acts and when. Time comes in with the command, never from a clock inside the domain; the actor's standing is
 * resolved by the handler before deciding (from a verified request, never from what a caller claims about itself).
 */
export interface CommandMeta {
  readonly actorId: string;
  readonly at: string;
  /** R22: the actor signed in with a second factor (the gateway reads it from the access token's `amr`). */
  readonly actorTwoFactor?: boolean;
  /** The actor is one of the deployment's operators (the gateway vouches for it), not a member. */
  readonly actorIsOperator?: boolean;
  /**
   * R19: the parent organization in which the actor holds `customers.manage`, as resolved by the handler from the
   * parent's state; the actor then acts as an Admin here (never as Owner). The decider checks it is this
   * organization's parent.
   */
  readonly actorActsAsAdminVia?: string;
  /**
   * R19, for the commands that ask whether an invitation's terms are still given: of the users who set the terms of
   * this organization's pending invitations, those who hold `customers.manage` in `parentOrgId` (resolved by the
   * handler from the parent's state). They may still give what an Admin may; the decider checks it is this
   * organization's parent.
   */
  readonly giversActingViaParent?: { readonly parentOrgId: string; readonly userIds: readonly string[] };
}

export type OrganizationCommand = CommandMeta &
  (
    | { type: 'CreateOrganization'; orgId: string; name: string; plan?: string }
    | { type: 'AdmitMember'; userId: string; role: InvitedRole; via: 'invitation' | 'auto-join' }
    | { type: 'ChangeMemberRole'; userId: string; role: InvitedRole }
    | {
        type: 'TransferOwnership';
        newOwnerId: string;
        /** Set by the handler, from identity's events: the new Owner's account is locked now (R2: not active). */
        newOwnerLocked?: boolean;
      }
    | { type: 'GrantPermissions'; userId: string; permissions: string[] }
    | { type: 'RevokePermissions'; userId: string; permissions: string[] }
    | { type: 'SetSchedulable'; userId: string; schedulable: boolean }
    | { type: 'RemoveMember'; userId: string }
    | { type: 'LeaveOrganization' }
    | { type: 'CreateTeam'; teamId: string; name: string }
    | { type: 'RenameTeam'; teamId: string; name: string }
    | { type: 'DeleteTeam'; teamId: string }
    | { type: 'AddTeamMember'; teamId: string; userId: string; role: TeamRole }
    | { type: 'RemoveTeamMember'; teamId: string; userId: string }
    | { type: 'DeleteOrganization' }
    | { type: 'RemoveDeletedUser'; userId: string; ownedOrganizationsConfirmed: boolean }
    | {
        type: 'InviteMember';
        invitationId: string;
        email?: string;
        phone?: string;
        role: InvitedRole;
        teamIds: string[];
        permissions: string[];
        send: boolean;
        expiresAt: string;
        /** The account holding this e-mail or phone, when one exists (looked up by the handler). */
        inviteeUserId?: string;
      }
    | {
        type: 'ChangeInvitation';
        invitationId: string;
        role: InvitedRole;
        /** Omitted: the invitation's teams stay as they are. */
        teamIds?: string[];
        /** Omitted: the invitation's permissions stay as they are. */
        permissions?: string[];
      }
    | {
        type: 'SendInvitation';
        invitationId: string;
        expiresAt: string;
        /** The account now holding the invitation's e-mail address, when one does (looked up by the handler). */
        inviteeUserId?: string;
      }
    /** Erasure of a person known only by an address: its key (`addressKey`) is destroyed once this is recorded. */
    | { type: 'EraseInvitee'; invitationIds: string[]; addressKey: string }
    | { type: 'RevokeInvitation'; invitationId: string }
    | {
        type: 'AcceptInvitation';
        invitationId: string;
        /** From the link: a link of an earlier send no longer works (R5). */
        sendSequence: number;
        userId: string;
        /** The accepting account's verified identity (vouched for by identity); must be the invited one. */
        email?: string;
        phone?: string;
        /**
         * Registering from the link (the reaction to identity's UserRegistered, never the bus): when identity recorded
         * the registration. The link is judged at that instant, not when the reaction gets to it.
         */
        registeredAt?: string;
      }
    | { type: 'ExpireInvitation'; invitationId: string }
    /** R5, R19: the parent changed who holds `customers.manage` there; the handler looks every giver up in it. */
    | { type: 'RecheckInvitations' }
    | {
        type: 'UpdateSettings';
        name?: string;
        autoJoin?: boolean;
        membersMayEditOwnAvailability?: boolean;
        requireTwoFactor?: boolean;
      }
    /** Without `userId`: the Owner again, named by nobody (R13: the caller may not see who it is). */
    | { type: 'SetContactPerson'; userId?: string }
    | { type: 'SetAvailability'; userId: string; available: boolean; weekly: Availability['weekly'] }
    | {
        type: 'ClaimDomain';
        domain: string;
        /** The actor's e-mail address if it is verified, as identity's events say (stamped by the handler, R16). */
        actorVerifiedEmail?: string;
      }
    | { type: 'ReleaseDomain'; domain: string }
    /** `verifiedAt`: when identity recorded the address verified (the reaction may come much later). */
    | { type: 'AutoJoinMember'; userId: string; email: string; verifiedAt: string }
    | { type: 'LinkChildOrganization'; childOrgId: string }
    | { type: 'UnlinkChildOrganization'; childOrgId: string }
    | { type: 'AttachToParent'; parentOrgId: string }
    | { type: 'DetachFromParent'; parentOrgId: string }
    | { type: 'RequestPasswordReset'; userId: string }
  );

export type OrganizationCommandType = OrganizationCommand['type'];

export type CommandOf<T extends OrganizationCommandType> = Extract<OrganizationCommand, { type: T }>;

/** The actor of in-process reactions and scheduled work (never accepted from a message). */
export const SYSTEM_ACTOR = 'system';
