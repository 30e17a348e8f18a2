import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type GatewayConfig } from '../config/gateway.config';
import { WriteServices } from '../commands/write-services';
import { GATEWAY_CONFIG } from '../gateway.tokens';

/** Access tokens live 5 minutes: an ended session is remembered that long, after which its tokens are dead anyway. */
const ENDED_REMEMBERED_MS = 5 * 60_000;
/** Identity's answer is waited for this long; past it the token is believed, so reads go on in an outage. */
const ANSWER_WAIT_MS = 1_000;
/** After identity did not answer, it is asked again about that session no sooner than this. */
const RETRY_AFTER_MS = 5_000;

type Known = { readonly active: boolean; readonly until: number } | Promise<boolean>;

/**
 * Whether the session an access token belongs to (its `sid`) is still open. A logout, or the reuse of a stolen
 * refresh token, ends a session in identity, while the access tokens it issued would live out their minutes. The
 * gateway asks identity about a session once per `SESSION_CHECK_MS` (concurrent requests share one question) and
 * believes the answer meanwhile; a logout through this gateway ends the session here at once. Identity not answering
 * within a second leaves the token believed, as before, rather than failing every read in an outage.
 */
@Injectable()
export class SessionChecks {
  private readonly known = new Map<string, Known>();
  private prunedAt = Date.now();

  constructor(
    private readonly services: WriteServices,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async isActive(sessionId: string): Promise<boolean> {
    const now = Date.now();
    if (now - this.prunedAt >= this.config.sessionCheckMs) this.prune(now);
    const known = this.known.get(sessionId);
    if (known instanceof Promise) return known;
    if (known && known.until > now) return known.active;
    const asking = this.ask(sessionId);
    this.known.set(sessionId, asking);
    return asking;
  }

  /** A logout through this gateway: the session's tokens are refused from now on. */
  ended(sessionId: string): void {
    this.known.set(sessionId, { active: false, until: Date.now() + ENDED_REMEMBERED_MS });
  }

  private async ask(sessionId: string): Promise<boolean> {
    let active: boolean;
    try {
      ({ active } = await this.services.identity<{ active: boolean }>(
        { type: 'SessionActive', sessionId },
        { correlationId: randomUUID() },
        { timeoutMs: ANSWER_WAIT_MS },
      ));
    } catch {
      this.remember(sessionId, true, RETRY_AFTER_MS);
      return true;
    }
    this.remember(sessionId, active, active ? this.config.sessionCheckMs : ENDED_REMEMBERED_MS);
    return active;
  }

  private remember(sessionId: string, active: boolean, forMs: number): void {
    // A logout through this gateway while identity was being asked stays ended.
    const known = this.known.get(sessionId);
    if (known && !(known instanceof Promise) && !known.active) return;
    this.known.set(sessionId, { active, until: Date.now() + forMs });
  }

  private prune(now: number): void {
    this.prunedAt = now;
    for (const [sessionId, known] of this.known)
      if (!(known instanceof Promise) && known.until <= now) this.known.delete(sessionId);
  }
}
