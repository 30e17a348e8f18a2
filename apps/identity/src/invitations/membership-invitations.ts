import { TOPICS, type DescribeInvitationRequest, type InvitationDescription } from '@app/contracts';
import { DomainError, type DomainErrorKind } from '@app/domain';
import { type RequestReplyClient, type RequestSigner } from '@app/messaging';

type Refusal = {
  ok: false;
  error: { code: string; kind: DomainErrorKind; message: string; details?: Record<string, unknown> };
};

type DescribeReply = { ok: true; invitation: InvitationDescription } | Refusal;

/** What an invitation link stands for, asked of the membership service (which holds the invitation and its key). */
export interface InvitationDirectory {
  /**
   * A pending invitation; with `acceptedBy`, also one that account accepted (status `accepted`), which a retry of
   * its acceptance is answered from.
   */
  describe(token: string, options?: { acceptedBy?: string }): Promise<InvitationDescription>;
  /**
   * R5: the invited user (signed in, their identity checked here) accepts; membership accepts once. `repeatOnly`:
   * only the retry of an acceptance membership recorded under `commandId` is answered (else `command-not-recorded`).
   */
  accept(
    invitation: InvitationDescription,
    user: { userId: string; email: string; phone?: string },
    commandId: string,
    options?: { repeatOnly?: boolean },
  ): Promise<{ revision: string | null }>;
}

export class MembershipInvitations implements InvitationDirectory {
  constructor(
    private readonly client: () => Promise<RequestReplyClient>,
    /** Identity signs what it asks membership: the acceptance names an identity only identity can vouch for. */
    private readonly signer: RequestSigner,
  ) {}

  async describe(token: string, options: { acceptedBy?: string } = {}): Promise<InvitationDescription> {
    const request: DescribeInvitationRequest = {
      query: 'DescribeInvitation',
      token,
      ...(options.acceptedBy !== undefined ? { acceptedBy: options.acceptedBy } : {}),
    };
    const reply = await (
      await this.client()
    ).request<DescribeReply>(TOPICS.membershipCommands, token.slice(0, 64), this.signer.sign(request), {
      timeoutMs: 10_000,
    });
    if (!reply.ok)
      throw new DomainError(
        reply.error.code,
        reply.error.kind,
        reply.error.message,
        reply.error.details ?? {},
      );
    if (reply.invitation.status === 'accepted' && options.acceptedBy !== undefined) return reply.invitation;
    if (reply.invitation.status !== 'pending')
      throw new DomainError(
        // As membership names them (docs/errors.md): an accepted one is `invitation-already-accepted`.
        reply.invitation.status === 'accepted'
          ? 'invitation-already-accepted'
          : `invitation-${reply.invitation.status}`,
        'gone',
        'this invitation can no longer be used',
      );
    return reply.invitation;
  }

  async accept(
    invitation: InvitationDescription,
    user: { userId: string; email: string; phone?: string },
    commandId: string,
    options: { repeatOnly?: boolean } = {},
  ): Promise<{ revision: string | null }> {
    const reply = await (
      await this.client()
    ).request<{ ok: true; revision: string | null } | Refusal>(
      TOPICS.membershipCommands,
      invitation.orgId,
      this.signer.sign({
        commandId,
        orgId: invitation.orgId,
        actorId: user.userId,
        command: {
          type: 'AcceptInvitation',
          invitationId: invitation.invitationId,
          sendSequence: invitation.sendSequence,
          userId: user.userId,
          ...(invitation.email ? { email: user.email } : { phone: user.phone }),
        },
        ...(options.repeatOnly === true ? { repeatOnly: true } : {}),
      }),
      { timeoutMs: 10_000 },
    );
    if (!reply.ok) throw refusal(reply);
    return { revision: reply.revision };
  }
}

function refusal(reply: Refusal): DomainError {
  return new DomainError(reply.error.code, reply.error.kind, reply.error.message, reply.error.details ?? {});
}
