import { join } from 'node:path';
import { InMemoryOneTimeTokenStore, type OneTimeTokenRecord } from '../one-time-tokens/one-time-token.store';
import {
  InMemoryRefreshTokenStore,
  type RefreshFamily,
  type RefreshRotation,
  type RefreshTokenRecord,
  type SessionActivity,
} from '../sessions/refresh-token.store';
import { InMemoryThrottleStore } from '../throttling/throttle.store';
import { InMemoryClaimLedger } from './claim-ledger';
import { datesCodec, JournalMap } from './journal-map';

/**
 * The embedded default's session state under `<dataDir>/identity/`, so an `npm start` restart neither signs everyone
 * out nor forgets throttling and links: refresh-token families and tokens, one-time links and their redemptions,
 * login attempts and locks, each a JSON-lines journal (mode 0600). Production keeps them in MongoDB.
 */
export function dataDirSessionStores(dataDir: string) {
  const file = (name: string) => join(dataDir, 'identity', `${name}.jsonl`);
  return {
    refreshTokens: new InMemoryRefreshTokenStore(
      new JournalMap(file('refresh-families'), datesCodec<RefreshFamily>('createdAt', 'revokedAt')),
      new JournalMap(file('refresh-tokens'), datesCodec<RefreshTokenRecord>('issuedAt', 'expiresAt')),
      new InMemoryClaimLedger(new JournalMap(file('refresh-token-uses'))),
      new JournalMap(file('refresh-rotations'), datesCodec<RefreshRotation>('rotatedAt', 'expiresAt')),
      new JournalMap(file('refresh-activity'), datesCodec<SessionActivity>('lastUsedAt', 'expiresAt')),
    ),
    oneTimeTokens: new InMemoryOneTimeTokenStore(
      new JournalMap(file('one-time-tokens'), datesCodec<OneTimeTokenRecord>('createdAt', 'expiresAt')),
      new InMemoryClaimLedger(new JournalMap(file('one-time-token-redemptions'))),
    ),
    throttle: new InMemoryThrottleStore(
      new JournalMap(file('login-attempts')),
      new JournalMap(file('login-locks')),
    ),
  };
}
