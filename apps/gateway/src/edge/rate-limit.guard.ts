import { HttpException, HttpStatus, Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
import { perRoute, type Target } from '../http/per-route';

/** Over a rate limit: a 429 problem whose standard `Retry-After` says when to come back. */
export class TooManyRequests extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      { code: 'too-many-requests', title: `Too many requests; retry in ${retryAfterSeconds} s` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

type RouteLimit = Omit<ThrottlerRequest, 'context'> & { readonly skip: boolean };

/**
 * @nestjs/throttler's limits, answered like every other refusal (problem+json, `Retry-After`). What the decorators and
 * options say for a route is worked out on its first request and kept: the library looks it up again on every request
 * (five metadata reads per limit), a twentieth of a member read in its CPU profile (bench/gateway). Each guard below
 * checks the limits it names.
 */
abstract class RateLimitGuard extends ThrottlerGuard {
  protected abstract readonly limitNames: readonly string[];
  private readonly limitsOf = perRoute((handler, classRef) =>
    this.throttlers
      .filter((throttler) => this.limitNames.includes(throttler.name ?? 'default'))
      .map((throttler) => this.resolve(throttler, [handler, classRef])),
  );

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    for (const route of this.limitsOf(context)) {
      const skipIf = route.throttler.skipIf ?? this.commonOptions.skipIf;
      if (route.skip || skipIf?.(context)) continue;
      await this.handleRequest({ context, ...route });
    }
    return true;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequests(Math.max(1, Math.ceil(detail.timeToBlockExpire)));
  }

  private resolve(throttler: ThrottlerRequest['throttler'], targets: [Target, Target]): RouteLimit {
    const name = throttler.name ?? 'default';
    const read = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key + name, targets);
    const number = (value: unknown, option: string) => {
      if (typeof value !== 'number' || Number.isNaN(value))
        throw new Error(
          `The "${name}" throttler's ${option} must be a number (it is resolved once per route)`,
        );
      return value;
    };
    const ttl = number(read(THROTTLER_TTL) ?? throttler.ttl, 'ttl');
    return {
      throttler,
      skip: read<boolean>(THROTTLER_SKIP) === true,
      limit: number(read(THROTTLER_LIMIT) ?? throttler.limit, 'limit'),
      ttl,
      blockDuration: number(
        read(THROTTLER_BLOCK_DURATION) ?? throttler.blockDuration ?? ttl,
        'blockDuration',
      ),
      getTracker: read(THROTTLER_TRACKER) ?? throttler.getTracker ?? this.commonOptions.getTracker,
      generateKey: read(THROTTLER_KEY_GENERATOR) ?? throttler.generateKey ?? this.commonOptions.generateKey,
    } as RouteLimit;
  }
}

/**
 * The limits per client address (`ip` on every route, `auth` on the auth routes), checked before authentication: a
 * request whose token does not verify costs a verification and counts like any other.
 */
@Injectable()
export class AddressRateLimitGuard extends RateLimitGuard {
  protected readonly limitNames = ['ip', 'auth'];
}

/** The limit per signed-in user, checked after authentication has said who they are. */
@Injectable()
export class UserRateLimitGuard extends RateLimitGuard {
  protected readonly limitNames = ['user'];
}
