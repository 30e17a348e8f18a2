import { type Locale } from '../templates/catalog';
import { renderMessage, type RenderedMessage } from '../templates/render';

/** What `notifications.EmailRequested.v1` carries (see its JSON Schema). */
export interface EmailRequest {
  readonly template:
    'verify-email' | 'reset-password' | 'account-exists' | 'email-changed' | 'password-changed';
  readonly to: string;
  readonly userId?: string;
  readonly name?: string;
  readonly link?: string;
  readonly expiresAt?: string;
  /** The recipient's language when the requesting service knows it. */
  readonly locale?: string;
  /** Why an address is to be confirmed: a new account (the default) or an account moving to it. */
  readonly occasion?: 'registration' | 'email-change';
}

/** The e-mail a request asks for, in text and HTML, in `locale`. */
export function renderEmail(request: EmailRequest, locale: Locale = 'en'): RenderedMessage {
  const template =
    request.template === 'verify-email' && request.occasion === 'email-change'
      ? 'confirm-email-change'
      : request.template;
  return renderMessage(template, locale, {
    ...(request.name ? { name: request.name } : {}),
    ...(request.link ? { link: request.link } : {}),
    ...(request.expiresAt ? { until: request.expiresAt } : {}),
  });
}
