import { randomUUID } from 'node:crypto';
import { TOPICS } from '@app/contracts';
import { eventMessage, type MessageBus } from '@app/messaging';
import { type IssuedOneTimeToken, type OneTimeTokens } from '../one-time-tokens/one-time-tokens';

export type MailTemplate =
  'verify-email' | 'reset-password' | 'account-exists' | 'email-changed' | 'password-changed';

export interface MailRequest {
  readonly template: MailTemplate;
  readonly to: string;
  readonly userId?: string;
  readonly name?: string;
  /** The recipient's language when known (their profile's, or the one a registration asked for). */
  readonly locale?: string;
  /**
   * Path, query and fragment under PUBLIC_URL, e.g. `/verify-email#token=...`: a token goes in the fragment, which
   * browsers never send to a server, so it stays out of the access logs of every proxy on the way.
   */
  readonly path?: string;
  readonly expiresAt?: Date;
  readonly correlationId?: string;
  /** With `verify-email`: an account asked to move to the address (`to`), rather than was created with it. */
  readonly occasion?: 'email-change';
}

export const IDENTITY_SOURCE = '/identity-platform/identity';

/**
 * Asks the notifications service to send an e-mail (`notifications.EmailRequested.v1` on `notifications.commands.v1`).
 * Links carry single-use secrets, so they travel only in this message, never in an event. Not transactional with
 * the token store: a lost request means the user asks for a new link, which replaces the old one.
 */
export class IdentityMail {
  constructor(
    private readonly bus: MessageBus,
    private readonly publicUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** R18: a link proving `user.email`, replacing any earlier one. */
  async sendVerificationLink(
    links: OneTimeTokens,
    user: { userId: string; email: string; name: string; locale?: string },
    correlationId?: string,
  ): Promise<void> {
    const link = await links.issue('email-verification', user.userId, user.email);
    await this.sendLinkToConfirm(user, user.email, link, { correlationId });
  }

  /** A link proving `email`, the address the account asked to move to, replacing any earlier such link. */
  async sendEmailChangeLink(
    links: OneTimeTokens,
    user: { userId: string; email: string; name: string; locale?: string; sessionsEndedAt?: string },
    email: string,
    asked: { commandId: string; correlationId?: string },
  ): Promise<Date> {
    const link = await links.issue('email-change', user.userId, email, {
      issuedBy: asked.commandId,
      replaces: user.email,
      accountEpoch: user.sessionsEndedAt ?? '',
    });
    await this.sendLinkToConfirm(user, email, link, {
      occasion: 'email-change',
      correlationId: asked.correlationId,
    });
    return link.expiresAt;
  }

  private sendLinkToConfirm(
    user: { userId: string; name: string; locale?: string },
    to: string,
    link: IssuedOneTimeToken,
    about: { occasion?: 'email-change'; correlationId?: string | undefined },
  ): Promise<void> {
    return this.send({
      template: 'verify-email',
      ...(about.occasion ? { occasion: about.occasion } : {}),
      to,
      userId: user.userId,
      name: user.name,
      ...(user.locale ? { locale: user.locale } : {}),
      // `change`: the console's page says that using the link moves an account to the address.
      path: `/verify-email${about.occasion === 'email-change' ? '?change=1' : ''}#token=${encodeURIComponent(link.token)}`,
      expiresAt: link.expiresAt,
      ...(about.correlationId ? { correlationId: about.correlationId } : {}),
    });
  }

  async send(request: MailRequest): Promise<void> {
    const id = randomUUID();
    await this.bus.publish([
      eventMessage(TOPICS.notificationCommands, {
        id,
        type: 'notifications.EmailRequested.v1',
        source: IDENTITY_SOURCE,
        subject: request.userId ?? request.to,
        time: this.now().toISOString(),
        specversion: '1.0',
        datacontenttype: 'application/json',
        correlationid: request.correlationId ?? id,
        causationid: id,
        actor: 'system',
        revision: '0',
        data: {
          template: request.template,
          ...(request.occasion ? { occasion: request.occasion } : {}),
          to: request.to,
          ...(request.userId ? { userId: request.userId } : {}),
          ...(request.name ? { name: request.name } : {}),
          ...(request.locale ? { locale: request.locale } : {}),
          ...(request.path ? { link: `${this.publicUrl}${request.path}` } : {}),
          ...(request.expiresAt ? { expiresAt: request.expiresAt.toISOString() } : {}),
          requestedBy: 'identity',
          at: this.now().toISOString(),
        },
      }),
    ]);
  }
}
