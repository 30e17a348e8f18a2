import { Inject, Injectable, Logger } from '@nestjs/common';
import { expiredRequestsLog } from '@app/platform';
import { DESCRIBE_INVITATION_SENDERS, TOPICS } from '@app/contracts';
import { DomainError } from '@app/domain';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REQUEST_DEADLINE_GRACE_MS,
  RequestVerifier,
  serveRequests,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { InvitationQueries } from '../invitations/invitation-queries';
import { OrganizationCommandHandler } from './organization-command-handler';

/** Serves `membership.commands.v1` (commands and the invitation query, request/reply) in the `membership` group. */
@Injectable()
export class MembershipCommandServer extends BusSubscriber {
  private readonly logger = new Logger(MembershipCommandServer.name);

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(REQUEST_DEADLINE_GRACE_MS) private readonly deadlineGraceMs: number,
    private readonly handler: OrganizationCommandHandler,
    private readonly queries: InvitationQueries,
    private readonly verifier: RequestVerifier,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return serveRequests(this.bus, {
      groupId: 'membership',
      deadlineGraceMs: this.deadlineGraceMs,
      onExpired: expiredRequestsLog('membership'),
      topic: TOPICS.membershipCommands,
      handler: (payload) =>
        isDescribeInvitation(payload) ? this.describe(payload) : this.handler.handleRequest(payload),
      // An import takes seconds (its rows are decided one by one): the other organizations' commands behind it in its
      // partition do not wait for it. It is safe to repeat under its key, row by row.
      inBackground: isImport,
      onBackgroundFailure: ({ command, error }) =>
        this.logger.error(`${command} failed, no reply sent: ${(error as Error).message}`),
    });
  }

  private describe(payload: { token: unknown; acceptedBy?: unknown }) {
    const signed = this.verifier.verify(payload);
    if (!signed.ok) return Promise.resolve(notAllowed(signed.reason));
    if (!(DESCRIBE_INVITATION_SENDERS as readonly string[]).includes(signed.sender))
      return Promise.resolve(notAllowed(`not for ${signed.sender}`));
    // Only identity knows which account is retrying its acceptance.
    const acceptedBy =
      signed.sender === 'identity' && typeof payload.acceptedBy === 'string' ? payload.acceptedBy : undefined;
    return this.queries.describe(payload.token, acceptedBy);
  }
}

/** R5: what a link stands for, told only to our services (the token is the secret; a signature shows who asks). */
function notAllowed(reason: string) {
  return {
    ok: false as const,
    error: new DomainError(
      'request-not-authenticated',
      'forbidden',
      `the query is not signed by one of our services (${reason})`,
    ).toJSON(),
  };
}

function isImport(payload: unknown): boolean {
  return (payload as { command?: { type?: unknown } } | null)?.command?.type === 'ImportInvitations';
}

/** `{ query: 'DescribeInvitation', token }`: what an invitation link stands for (R5). */
function isDescribeInvitation(
  payload: unknown,
): payload is { query: 'DescribeInvitation'; token: unknown; acceptedBy?: unknown } {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    (payload as { query?: unknown }).query === 'DescribeInvitation'
  );
}
