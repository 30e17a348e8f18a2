import { isErasedEmail } from '@app/personal-data';
import { type OutgoingMessage } from '../delivery/outgoing-message';
import { type RecipientDirectory } from './recipient-directory';

/**
 * Why a message held back (a dead delivery an operator retries) must not go out any more, if it must not: its
 * recipient was erased since (an invitee by an operator, an account by its deletion), an organization's notice to a
 * member whose account moved to another address since, or an invitation's link that was revoked, accepted, expired or
 * sent again since. The live paths check the same before they send.
 */
export function noLongerWanted(
  directory: Pick<RecipientDirectory, 'inviteeErased' | 'accountDeleted' | 'sendSuperseded' | 'contactOf'>,
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
    // A notice of an organization to a member went to their account's address, which may belong to someone else
    // since (moved from, then registered by another). A request's mail names its own address (a move's new one).
    if (orgId && userId && !invitationId && message.channel === 'email') {
      const now = (await directory.contactOf(userId))?.email;
      if (now !== undefined && now.toLowerCase() !== message.to.toLowerCase())
        return 'the recipient’s address changed';
    }
    return undefined;
  };
}
