import { loadSharedSecret } from '@app/platform';

/**
 * The key of invitation links, shared by membership (verifies) and notifications (renders links):
 * `INVITATION_TOKEN_SECRET`, or on the embedded default one kept in `<dataDir>/secrets/invitation-token.key`.
 */
export function loadInvitationTokenSecret(options: { env?: NodeJS.ProcessEnv; dataDir: string }): string {
  return loadSharedSecret({ variable: 'INVITATION_TOKEN_SECRET', file: 'invitation-token.key', ...options });
}
