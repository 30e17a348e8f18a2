import { PUBLIC_EVENT_MAPPINGS, publishingRelayProvider } from '@app/relay';

/** The user streams to `identity.user.v1` (key = user id); the e-mail/phone reservation streams stay internal. */
export const identityRelay = publishingRelayProvider(PUBLIC_EVENT_MAPPINGS.identity);
