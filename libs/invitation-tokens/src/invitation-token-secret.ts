import { loadSharedSecret } from '@app/platform';
import { InvitationTokens } from './invitation-token';

/**
 * The key of invitation links, shared by membership (verifies) and notifications (renders links):
 * `INVITATION_TOKEN_SECRET`, or on the embedded default one kept in `<dataDir>/secrets/invitation-token.key`.
 */
export function loadInvitationTokenSecret(options: { env?: NodeJS.ProcessEnv; dataDir: string }): string {
  return loadSharedSecret({ variable: 'INVITATION_TOKEN_SECRET', file: 'invitation-token.key', ...options });
}

/**
 * The invitation links of this deployment: made with `INVITATION_TOKEN_SECRET` (or the generated one), and accepted
 * with `INVITATION_TOKEN_SECRET_PREVIOUS` too while a rotation is under way (README, "Rotating keys").
 */
export function loadInvitationTokens(options: {
  env?: NodeJS.ProcessEnv;
  dataDir: string;
}): InvitationTokens {
  const env = options.env ?? process.env;
  const previous = env.INVITATION_TOKEN_SECRET_PREVIOUS;
  return new InvitationTokens(loadInvitationTokenSecret(options), previous ? [previous] : []);
}
