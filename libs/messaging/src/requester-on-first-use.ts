import { type MessageBus } from './message-bus';
import { RequestReplyClient } from './request-reply';

/**
 * A service's request/reply client, started on first use. A start that failed (the broker out of reach) is
 * forgotten, so the next use tries again instead of failing until the process restarts.
 */
export class RequesterOnFirstUse {
  private client: Promise<RequestReplyClient> | undefined;

  constructor(
    private readonly bus: MessageBus,
    private readonly requester: string,
  ) {}

  get(): Promise<RequestReplyClient> {
    if (!this.client) {
      const starting = RequestReplyClient.start(this.bus, this.requester);
      this.client = starting;
      starting.catch(() => {
        if (this.client === starting) this.client = undefined;
      });
    }
    return this.client;
  }

  /** Closes the client if one started; one still starting whose start then fails has nothing to close. */
  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    await client?.close();
  }
}
