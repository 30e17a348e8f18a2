import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type ThrottlerStorage } from '@nestjs/throttler';
import { type ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

interface Counter {
  ttl: number;
  /** Start of the current fixed window (a multiple of ttl). */
  start: number;
  current: number;
  previous: number;
  blockedUntil: number;
}

/**
 * Rate-limit counters in O(1) per request: a sliding window estimated from two fixed windows (the previous one,
 * weighted by how much of it still overlaps the last `ttl`, plus the current one). The throttler's default storage
 * keeps a timestamp per hit and filters them on every request, which costs as much as the limit is high.
 */
@Injectable()
export class SlidingWindowStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly counters = new Map<string, Counter>();
  private readonly sweep = setInterval(() => this.forgetIdle(), 60_000).unref();

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${throttlerName}\u0000${key}`;
    const start = now - (now % ttl);
    let counter = this.counters.get(id);
    if (!counter) {
      counter = { ttl, start, current: 0, previous: 0, blockedUntil: 0 };
      this.counters.set(id, counter);
    } else if (counter.start !== start) {
      counter.previous = counter.start === start - ttl ? counter.current : 0;
      counter.current = 0;
      counter.start = start;
    }
    const timeToExpire = Math.ceil((start + ttl - now) / 1000);
    if (counter.blockedUntil > now)
      return {
        totalHits: limit + 1,
        timeToExpire,
        isBlocked: true,
        timeToBlockExpire: seconds(counter.blockedUntil - now),
      };
    const estimate = counter.previous * (1 - (now - start) / ttl) + counter.current;
    if (estimate >= limit) {
      counter.blockedUntil = now + (blockDuration > 0 ? blockDuration : start + ttl - now);
      return {
        totalHits: limit + 1,
        timeToExpire,
        isBlocked: true,
        timeToBlockExpire: seconds(counter.blockedUntil - now),
      };
    }
    counter.current++;
    return { totalHits: Math.floor(estimate) + 1, timeToExpire, isBlocked: false, timeToBlockExpire: 0 };
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
  }

  private forgetIdle(now = Date.now()): void {
    for (const [id, counter] of this.counters)
      if (counter.start + 2 * counter.ttl <= now && counter.blockedUntil <= now) this.counters.delete(id);
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
