/**
 * `{ query: 'DescribeInvitation', token }` on `membership.commands.v1` (request/reply): what an invitation link
 * stands for. Asked by identity (registration or sign-in from a link) and the gateway (the link preview).
 */
export interface DescribeInvitationRequest {
  readonly query: 'DescribeInvitation';
  readonly token: string;
}

export interface InvitationDescription {
  readonly invitationId: string;
  readonly orgId: string;
  readonly orgName: string;
  readonly email?: string;
  readonly phone?: string;
  readonly role: string;
  readonly status: 'pending';
  readonly expiresAt: string;
  readonly sendSequence: number;
}
