/**
 * `{ query: 'DescribeInvitation', token }` on `membership.commands.v1` (request/reply): what an invitation link
 * stands for. Asked by identity (registration or sign-in from a link) and the gateway (the link preview).
 */
export interface DescribeInvitationRequest {
  readonly query: 'DescribeInvitation';
  readonly token: string;
  /**
   * Identity only, retrying an acceptance: an invitation this account accepted is described (status `accepted`)
   * instead of refused, so the retry can be answered as the first attempt was.
   */
  readonly acceptedBy?: string;
}

export interface InvitationDescription {
  readonly invitationId: string;
  readonly orgId: string;
  readonly orgName: string;
  readonly email?: string;
  readonly phone?: string;
  readonly role: string;
  /** `accepted` only when asked for with `acceptedBy`, by the account that accepted it. */
  readonly status: 'pending' | 'accepted';
  readonly expiresAt: string;
  readonly sendSequence: number;
}
