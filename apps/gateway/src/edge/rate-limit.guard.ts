import { HttpException, HttpStatus, Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';

/** Over a rate limit: a 429 problem whose standard `Retry-After` says when to come back. */
export class TooManyRequests extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      { code: 'too-many-requests', title: `Too many requests; retry in ${retryAfterSeconds} s` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** @nestjs/throttler's limits, answered like every other refusal (problem+json, `Retry-After`). */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequests(Math.max(1, Math.ceil(detail.timeToBlockExpire)));
  }
}
