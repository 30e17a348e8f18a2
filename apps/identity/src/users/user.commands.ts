import { type InvitationReference } from './user.events';

/** Commands on one user. `actorId` and `at` come from the handler (authenticated caller, clock), never the domain. */
interface Envelope {
  readonly userId: string;
  readonly actorId: string;
  readonly at: string;
}

export type UserCommand =
  | (Envelope & {
      type: 'RegisterUser';
      name: string;
      email: string;
      phone?: string;
      /** The language messages to this user are written in (`en`, `de`; a tag such as `de-AT` counts as `de`). */
      locale?: string;
      /** Registering from an invitation link (R5). */
      invitation?: InvitationReference;
      /** The address is proven already: the invitation was sent to it. */
      emailVerified?: boolean;
    })
  | (Envelope & { type: 'VerifyEmail'; email: string })
  | (Envelope & {
      type: 'ChangeEmail';
      email: string;
      /**
       * When the account's sessions last ended as the move was asked for (`''` if never): a lock, a password change or
       * reset, or two-factor turned on or off since then voids it.
       */
      sessionsEndedAt?: string;
    })
  | (Envelope & { type: 'UpdateProfile'; name?: string; phone?: string | null; locale?: string })
  | (Envelope & { type: 'ChangePassword'; reason: 'change' | 'reset' })
  | (Envelope & { type: 'EnableTwoFactor' })
  | (Envelope & { type: 'DisableTwoFactor' })
  /** New recovery codes were made (the codes themselves stay in the two-factor store, hashed). */
  | (Envelope & { type: 'ReplaceRecoveryCodes' })
  | (Envelope & { type: 'LockUser'; reason: string })
  | (Envelope & { type: 'UnlockUser' })
  | (Envelope & {
      type: 'DeleteUser';
      /** Organizations this user owns, as the membership read model knows them when the command is issued. */
      ownedOrganizationIds: readonly string[];
      ownedOrganizationsConfirmed: boolean;
      /**
       * The organizations the user confirmed by name, when the client named them: one owned but not named (say,
       * transferred to the user after the list was shown) is not confirmed.
       */
      confirmedOrganizationIds?: readonly string[];
      /** The key ids of the user's addresses (e-mail, phone), destroyed with the user's own key. */
      addressKeys: readonly string[];
      /** The addresses those keys are of: the account's own at the deletion, or it is refused (`account-changed`). */
      addressesKeyed: { readonly email: string; readonly phone?: string };
    });
