import { TOPICS } from '@app/contracts';
import { DomainError, type DomainErrorKind } from '@app/domain';
import { type RequestReplyClient } from '@app/messaging';

export interface InvitationDescription {
  readonly invitationId: string;
  readonly orgId: string;
  readonly orgName: string;
  readonly email?: string;
  readonly phone?: string;
  readonly role: string;
  readonly status: string;
  readonly expiresAt: string;
  readonly sendSequence: number;
}

type DescribeReply =
  | { ok: true; invitation: InvitationDescription }
  | {
      ok: false;
      error: { code: string; kind: DomainErrorKind; message: string; details?: Record<string, unknown> };
    };

/** What an invitation link stands for, asked of the membership service (which holds the invitation and its key). */
export interface InvitationDirectory {
  describe(token: string): Promise<InvitationDescription>;
}

export class MembershipInvitations implements InvitationDirectory {
  constructor(private readonly client: () => Promise<RequestReplyClient>) {}

  async describe(token: string): Promise<InvitationDescription> {
    const reply = await (
      await this.client()
    ).request<DescribeReply>(
      TOPICS.membershipCommands,
      token.slice(0, 64),
      { query: 'DescribeInvitation', token },
      { timeoutMs: 10_000 },
    );
    if (!reply.ok)
      throw new DomainError(
        reply.error.code,
        reply.error.kind,
        reply.error.message,
        reply.error.details ?? {},
      );
    if (reply.invitation.status !== 'pending')
      throw new DomainError(
        `invitation-${reply.invitation.status}`,
        'gone',
        'this invitation can no longer be used',
      );
    return reply.invitation;
  }
}
