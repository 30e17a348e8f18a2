import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  jsonEvent,
  NO_STREAM,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import { readLastEvent } from './read-last-event';

export const LEASE_ACQUIRED = 'LeaseAcquired';
export const LEASE_RENEWED = 'LeaseRenewed';
export const LEASE_RELEASED = 'LeaseReleased';
/** The least wait between two renewals of a held lease (one that failed at once is not retried in a loop). */
const RETRY_FLOOR_MS = 100;

interface LeaseRecord {
  readonly holder: string;
  readonly ttlMs: number;
}

/** A lease holder id unique to this process: the pod's host name, the pid and a random suffix. */
export function leaseHolderId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

export interface StreamLeaseOptions {
  readonly client: EventStoreDBClient;
  /** What is led, e.g. `membership-relay`; the lease lives in the stream `lease-<name>`. */
  readonly name: string;
  /** This instance; unique per process. */
  readonly holder: string;
  /** How long a lease nobody renews blocks the others (default 10 s). */
  readonly ttlMs?: number;
  /** Called when this instance starts leading; the lease is renewed while it runs. */
  readonly onAcquired: () => void | Promise<void>;
  /** Called when this instance must stop leading; awaited before the lease is released or given up. */
  readonly onLost: () => void | Promise<void>;
  readonly onError?: (error: unknown) => void;
  /** A monotonic clock in ms (tests only). */
  readonly now?: () => number;
}

/**
 * One leader among the replicas of a service, elected through the event store's optimistic concurrency: every
 * acquisition and renewal is an append that expects the lease stream's last revision, so two instances can never both
 * win the same round. The others only take over once the last record went unchanged for its TTL on their own clock
 * (as Kubernetes' leader election does), so clocks need not agree. A leader that cannot renew gives up before the
 * others may take over; duplicates remain possible only when a leader is paused past its TTL mid-work, which is why the
 * led work (the relay) must stay idempotent downstream.
 */
export class StreamLease {
  private readonly stream: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private held: { revision: bigint; renewedAt: number } | undefined;
  private observed: { revision: bigint; at: number } | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: StreamLeaseOptions) {
    this.stream = `lease-${options.name}`;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  get isLeader(): boolean {
    return this.held !== undefined;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops competing. A leader stops its work first, then releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.release().catch(() => undefined); // if that fails, the TTL hands the lease over anyway
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.tick();
      } catch (error) {
        this.options.onError?.(error);
      }
      // A leader renews three times per TTL, a third of it after the last renewal began (not after this tick ended,
      // which a slow start or append would push towards the step-down); the others look more often, to take over
      // soon after a release. A renewal that failed at once is tried again no sooner than a tenth of a second later,
      // not in a loop against the event store, but no later than the step-down at two thirds of the TTL.
      await this.sleep(this.held ? this.untilNextRenewal(this.held.renewedAt) : Math.min(this.ttlMs / 3, 1_000));
    }
  }

  private untilNextRenewal(renewedAt: number): number {
    const now = this.now();
    const due = Math.max(RETRY_FLOOR_MS, renewedAt + this.ttlMs / 3 - now);
    return Math.min(due, Math.max(0, renewedAt + (this.ttlMs * 2) / 3 - now));
  }

  private async tick(): Promise<void> {
    if (this.held) return this.renew(this.held);
    const last = (await readLastEvent(this.options.client, this.stream))?.event;
    if (this.stopped) return;
    if (
      last &&
      last.type !== LEASE_RELEASED &&
      (last.data as Partial<LeaseRecord>).holder !== this.options.holder
    ) {
      if (this.observed?.revision !== last.revision) {
        this.observed = { revision: last.revision, at: this.now() };
        return;
      }
      const ttl = Number((last.data as Partial<LeaseRecord>).ttlMs) || this.ttlMs;
      if (this.now() - this.observed.at < ttl) return;
    }
    const startedAt = this.now();
    let revision: bigint;
    try {
      revision = await this.append(LEASE_ACQUIRED, last ? last.revision : NO_STREAM);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return; // another instance won this round
      throw error;
    }
    if (!last)
      await this.options.client.setStreamMetadata(this.stream, { maxCount: 10 }).catch(() => undefined);
    // Leader and asked to start in one step: nobody sees a leader whose work was not started.
    this.held = { revision, renewedAt: startedAt };
    try {
      await this.options.onAcquired();
    } catch (error) {
      // A leader that cannot start its work must not sit on the lease: it hands over and tries again later.
      await this.release().catch(() => undefined);
      throw error;
    }
  }

  private async release(): Promise<void> {
    if (!this.held) return;
    const { revision } = this.held;
    await this.lose();
    await this.append(LEASE_RELEASED, revision);
  }

  private async renew(held: { revision: bigint; renewedAt: number }): Promise<void> {
    const startedAt = this.now();
    const stepDownAt = held.renewedAt + (this.ttlMs * 2) / 3;
    // A renewal that hangs (a store or network that stopped answering) is not waited for past two thirds of the TTL:
    // the others may take over a TTL after the last renewal, and this leader must have stopped by then.
    let timer: NodeJS.Timeout | undefined;
    const tooLate = new Promise<'too late'>((resolve) => {
      timer = setTimeout(() => resolve('too late'), Math.max(0, stepDownAt - startedAt));
    });
    const renewal = this.append(LEASE_RENEWED, held.revision);
    renewal.catch(() => undefined); // answered after stepping down, it is of no more use
    try {
      const renewed = await Promise.race([renewal, tooLate]);
      if (renewed === 'too late') {
        await this.lose();
        throw new Error(`${this.stream}: no renewal within two thirds of the lease's TTL; stepped down`);
      }
      this.held = { revision: renewed, renewedAt: startedAt };
    } catch (error) {
      // Another instance took it, or the store is unreachable for so long that the others may take it any moment.
      if (error instanceof WrongExpectedVersionError || this.now() - held.renewedAt >= (this.ttlMs * 2) / 3)
        await this.lose();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async lose(): Promise<void> {
    if (!this.held) return;
    this.held = undefined;
    this.observed = undefined;
    await this.options.onLost();
  }

  private async append(type: string, expectedRevision: AppendExpectedRevision): Promise<bigint> {
    const data: LeaseRecord = { holder: this.options.holder, ttlMs: this.ttlMs };
    const result = await this.options.client.appendToStream(
      this.stream,
      jsonEvent({ type, data: { ...data } }),
      {
        expectedRevision,
      },
    );
    return result.nextExpectedRevision;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
