import { isErasedEmail } from '@app/personal-data';
import { type OutgoingMessage } from '../delivery/outgoing-message';
import { type RecipientDirectory } from './recipient-directory';

/**
 * Why a message held back (a dead delivery an operator retries) must not go out any more, if it must not: its
 * recipient was erased since (an invitee by an operator, an account by its deletion), or it is an invitation's link
 * that was revoked, accepted, expired or sent again since. The live paths check the same before they send.
 */
export function noLongerWanted(
  directory: Pick<RecipientDirectory, 'inviteeErased' | 'accountDeleted' | 'sendSuperseded'>,
): (message: OutgoingMessage) => Promise<string | undefined> {
  return async (message) => {
    if (message.channel === 'email' && isErasedEmail(message.to)) return 'the recipient was erased';
    const { orgId, invitationId, userId } = message.about ?? {};
    if (orgId && invitationId && (await directory.inviteeErased(orgId, invitationId)))
      return 'the invitee was erased';
    // An invitation's link is delivered under the id of the send it belongs to.
    if (
      orgId &&
      invitationId &&
      (await directory.sendSuperseded(orgId, invitationId, message.idempotencyKey))
    )
      return 'the invitation was revoked, accepted, expired or sent again';
    if (userId && (await directory.accountDeleted(userId))) return 'the recipient’s account was deleted';
    return undefined;
  };
}
