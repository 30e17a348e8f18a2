import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError } from '@app/domain';
import { ProjectionFeed } from './projection-feed';
import { type RebuildProgress } from './rebuild';

/** What an operator sees of a rebuild: how far, how fast, how long still. */
export interface RebuildStatus {
  readonly rebuildId: string;
  readonly state: 'running' | 'done' | 'failed';
  /** The operator who started it. */
  readonly startedBy: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Events projected so far. */
  readonly events: number;
  readonly eventsPerSecond: number;
  /** The event store's commit position reached. */
  readonly position: string;
  /** 0..1 of the store as it was when the rebuild began. */
  readonly fraction: number;
  readonly etaSeconds?: number;
  readonly error?: string;
}

/**
 * One rebuild at a time, run in the background of the gateway that serves the reads (its feed is the one held while
 * the collections switch over), so an operator's request answers at once and progress is read while it runs.
 */
@Injectable()
export class RebuildJobs {
  private readonly logger = new Logger(RebuildJobs.name);
  private current: RebuildStatus | undefined;
  private running: Promise<void> | undefined;
  /** The request that started the latest rebuild, by its command id (Idempotency-Key), and what it was answered. */
  private startRequest?: { readonly commandId: string; readonly answer: RebuildStatus };

  constructor(private readonly feed: ProjectionFeed) {}

  /** A retry of the request that started the latest rebuild (the same `commandId`) is given its first answer. */
  start(startedBy: string, commandId?: string): RebuildStatus {
    if (commandId !== undefined && this.startRequest?.commandId === commandId)
      return this.startRequest.answer;
    if (this.current?.state === 'running')
      throw new DomainError('rebuild-running', 'conflict', 'a rebuild is running', {
        rebuildId: this.current.rebuildId,
      });
    const started = Date.now();
    this.current = {
      rebuildId: randomUUID(),
      state: 'running',
      startedBy,
      startedAt: new Date(started).toISOString(),
      events: 0,
      eventsPerSecond: 0,
      position: '0',
      fraction: 0,
    };
    const update = (progress: RebuildProgress) => {
      const elapsed = (Date.now() - started) / 1000;
      this.current = {
        ...this.current!,
        events: progress.events,
        eventsPerSecond: Math.round(progress.eventsPerSecond),
        position: String(progress.position),
        fraction: Math.min(1, progress.fraction),
        ...(progress.fraction > 0
          ? { etaSeconds: Math.max(0, Math.round((elapsed * (1 - progress.fraction)) / progress.fraction)) }
          : {}),
      };
      this.logger.log(
        `rebuild ${this.current.rebuildId}: ${progress.events} events, ${this.current.eventsPerSecond}/s, position ${progress.position}, ${(this.current.fraction * 100).toFixed(1)}%`,
      );
    };
    this.logger.log(`rebuild ${this.current.rebuildId} started by operator ${startedBy}`);
    this.running = this.feed.rebuild(update).then(
      ({ events, position }) => {
        const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
        this.current = {
          ...this.current!,
          state: 'done',
          finishedAt: new Date().toISOString(),
          events,
          // Where the switch came, also when the rebuild was too quick for any progress to be reported.
          ...(position === undefined ? {} : { position: String(position) }),
          eventsPerSecond: Math.round(events / seconds),
          fraction: 1,
          etaSeconds: 0,
        };
      },
      (error: unknown) => {
        this.logger.error(`rebuild failed: ${String(error)}`);
        this.current = {
          ...this.current!,
          state: 'failed',
          finishedAt: new Date().toISOString(),
          error: String(error),
        };
      },
    );
    if (commandId !== undefined) this.startRequest = { commandId, answer: this.current };
    return this.current;
  }

  status(): RebuildStatus | undefined {
    return this.current;
  }

  /** Resolves when the running rebuild (if any) has finished. */
  async settled(): Promise<RebuildStatus | undefined> {
    await this.running;
    return this.current;
  }
}
