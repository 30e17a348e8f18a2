/** What `notifications.EmailRequested.v1` carries (see its JSON Schema). */
export interface EmailRequest {
  readonly template:
    'verify-email' | 'reset-password' | 'account-exists' | 'email-changed' | 'password-changed';
  readonly to: string;
  readonly userId?: string;
  readonly name?: string;
  readonly link?: string;
  readonly expiresAt?: string;
}

/** Plain-text renderings. Copy is deliberately short; links are the only variable parts besides the name. */
export function renderEmail(request: EmailRequest): { subject: string; text: string } {
  const hello = request.name ? `Hello ${request.name},` : 'Hello,';
  const until = request.expiresAt ? ` The link works once, until ${request.expiresAt}.` : '';
  switch (request.template) {
    case 'verify-email':
      return {
        subject: 'Confirm your e-mail address',
        text: `${hello}\n\nConfirm this address by opening:\n${request.link ?? ''}\n${until}\n`,
      };
    case 'reset-password':
      return {
        subject: 'Reset your password',
        text: `${hello}\n\nSomeone asked to reset your password. If it was you, open:\n${request.link ?? ''}\n${until}\nIf it was not, ignore this message.\n`,
      };
    case 'account-exists':
      return {
        subject: 'You already have an account',
        text: `${hello}\n\nSomeone tried to register with this address, which already has an account. If it was you, sign in or reset your password.\n`,
      };
    case 'email-changed':
      return {
        subject: 'Your e-mail address was changed',
        text: `${hello}\n\nThe e-mail address of your account was changed. If you did not do this, reset your password now.\n`,
      };
    case 'password-changed':
      return {
        subject: 'Your password was changed',
        text: `${hello}\n\nYour password was changed and every session was signed out. If you did not do this, reset your password now.\n`,
      };
  }
}
