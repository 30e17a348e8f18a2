import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  EventStoreCheckpointStore,
  StreamLease,
  leaseHolderId,
  followAll,
  type CheckpointStore,
  type RunningSubscription,
} from '@app/event-store';
import { HeadAheadOfClockError, StaleHeadError, chainHeadOf, writeCheckpoints } from './checkpoints';
import { type AuditSigningKey } from './signing-key';
import { publishPublicKey } from './signing-keys-stream';

export interface AuditCheckpointerOptions {
  readonly client: EventStoreDBClient;
  /** Names the lease and the follower's position, e.g. `membership`. */
  readonly service: string;
  /** The aggregate streams to sign the heads of, by prefix: e.g. `organization-`. */
  readonly streamPrefixes: readonly string[];
  /**
   * Single streams to sign the heads of too, e.g. `permissions-role-defaults`: followed like the others, and their
   * heads signed whenever this replica begins to lead, since a replica of an earlier release that led before may have
   * moved the position past events it did not follow.
   */
  readonly streams?: readonly string[];
  readonly key: AuditSigningKey;
  /** How often the heads of the streams that changed are signed (AUDIT_CHECKPOINT_EVERY_MS, default 60 s). */
  readonly everyMs: number;
  readonly leaseMs?: number;
  readonly onError?: (error: unknown) => void;
  /** The signer's clock (tests). */
  readonly now?: () => Date;
}

/**
 * Signs the chain heads of a service's streams periodically: one replica (the lease holder) follows its streams and,
 * every `everyMs`, writes a signed checkpoint for each stream that changed. Its own position is stored only after
 * the heads seen up to it were signed, so a crash re-reads them rather than leave them unsigned.
 */
export class AuditCheckpointer {
  private readonly lease: StreamLease;
  private follower: RunningSubscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<string, { revision: bigint; hash: string }>();
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: AuditCheckpointerOptions) {
    this.lease = new StreamLease({
      client: options.client,
      name: `${options.service}-audit-checkpointer`,
      holder: leaseHolderId(),
      ...(options.leaseMs === undefined ? {} : { ttlMs: options.leaseMs }),
      onAcquired: () => this.lead(),
      onLost: () => this.follow(),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  get isLeader(): boolean {
    return this.lease.isLeader;
  }

  start(): void {
    this.lease.start();
  }

  async stop(): Promise<void> {
    await this.lease.stop();
  }

  /** Signs what is pending now (also what `stop` does last). */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(async () => {
        const heads = [...this.pending].map(([stream, head]) => ({ stream, ...head }));
        if (heads.length === 0) return;
        // A stream whose history no longer continues what was signed is reported and left unsigned (that is the
        // evidence); it must not keep the other streams from being signed. A head stamped past this clock stays
        // pending, to be signed once the clock reaches it (while this replica leads).
        const aheadOfClock = new Set<string>();
        await writeCheckpoints(this.options.client, heads, this.options.key, {
          ...(this.options.now ? { now: this.options.now() } : {}),
          onRefused: (refusal) => {
            if (refusal instanceof HeadAheadOfClockError) aheadOfClock.add(refusal.stream);
            if (!(refusal instanceof StaleHeadError)) this.options.onError?.(refusal);
          },
        });
        for (const head of heads)
          if (this.pending.get(head.stream)?.revision === head.revision && !aheadOfClock.has(head.stream))
            this.pending.delete(head.stream);
      });
    return this.flushing;
  }

  private async lead(): Promise<void> {
    await publishPublicKey(this.options.client, this.options.key);
    for (const stream of this.options.streams ?? []) {
      const head = await chainHeadOf(this.options.client, stream);
      if (head) this.pending.set(stream, head);
    }
    const positions = new EventStoreCheckpointStore(this.options.client);
    const signedFirst: CheckpointStore = {
      load: (name) => positions.load(name),
      save: async (name, position) => {
        await this.flush();
        await positions.save(name, position);
      },
    };
    this.follower = followAll({
      name: `${this.options.service}-audit-checkpointer`,
      client: this.options.client,
      checkpoints: signedFirst,
      filter: { streamPrefixes: [...this.options.streamPrefixes, ...(this.options.streams ?? [])] },
      checkpointEveryMs: this.options.everyMs,
      ...(this.options.onError ? { onError: this.options.onError } : {}),
      handle: async (events) => {
        for (const e of events)
          if (e.metadata.chainHash)
            this.pending.set(e.streamName, { revision: e.revision, hash: e.metadata.chainHash });
      },
    });
    this.timer = setInterval(
      () => void this.flush().catch((error: unknown) => this.options.onError?.(error)),
      this.options.everyMs,
    );
  }

  private async follow(): Promise<void> {
    clearInterval(this.timer);
    const follower = this.follower;
    this.follower = undefined;
    await follower?.stop(); // stores its position, which signs what is pending first
    await this.flush().catch((error: unknown) => this.options.onError?.(error));
  }
}
