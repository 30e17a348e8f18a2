import { TOPICS } from '@app/contracts';
import { publishingRelayProvider } from '@app/relay';
import { IDENTITY_SOURCE } from '../notifying/identity-mail';

/** The user streams to `identity.user.v1` (key = user id); the e-mail/phone reservation streams stay internal. */
export const identityRelay = publishingRelayProvider({
  service: 'identity',
  topic: TOPICS.identityUsers,
  source: IDENTITY_SOURCE,
  streamPrefix: 'user-',
});
