/** Events of the `user-<userId>` stream. Never carries a secret (hash, TOTP secret, token). */
interface Stamp {
  readonly userId: string;
  /** A user id or `system`. */
  readonly actorId: string;
  /** ISO-8601. */
  readonly at: string;
}

export interface InvitationReference {
  readonly orgId: string;
  readonly invitationId: string;
  readonly sendSequence: number;
}

export type UserEvent =
  | {
      type: 'UserRegistered';
      data: Stamp & {
        name: string;
        email: string;
        phone?: string;
        locale?: string;
        invitation?: InvitationReference;
      };
    }
  | { type: 'EmailVerified'; data: Stamp & { email: string } }
  | { type: 'EmailChanged'; data: Stamp & { previousEmail: string; email: string } }
  | {
      type: 'ProfileUpdated';
      data: Stamp & { name?: string; phone?: string | null; previousPhone?: string; locale?: string };
    }
  | { type: 'PasswordChanged'; data: Stamp & { reason: 'change' | 'reset' } }
  | { type: 'TwoFactorEnabled'; data: Stamp }
  | { type: 'TwoFactorDisabled'; data: Stamp }
  /** The second factor's recovery codes were replaced: the ones before stop working (which codes is never said). */
  | { type: 'RecoveryCodesReplaced'; data: Stamp }
  | { type: 'UserLocked'; data: Stamp & { reason: string } }
  | { type: 'UserUnlocked'; data: Stamp }
  | {
      type: 'UserDeleted';
      data: Stamp & { ownedOrganizationIds: string[]; ownedOrganizationsConfirmed: boolean };
    }
  /**
   * Right after UserDeleted: the person's data is erased. `erasedKeys` names the keys destroyed (the user's own and
   * those of their addresses, opaque ids), so a restart can finish an erasure that a crash interrupted.
   */
  | { type: 'UserErased'; data: Stamp & { erasedKeys: string[] } };

export type UserEventType = UserEvent['type'];

export const userStreamName = (userId: string): string => `user-${userId}`;
