import { processLifecycle } from './graceful-shutdown';
import { Public } from './public-route';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type Provider,
} from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
  type HealthCheckResult,
} from '@nestjs/terminus';

/** A readiness probe of one real dependency (event store, bus, read store ...). Throws or returns false when down. */
export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<boolean | void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/**
 * Why a service of ours is not ready, in words fit for anyone: `/health/ready` is public on the gateway, so only a
 * check's `NotReady` reason is answered. Any other failure (a driver's error naming hosts, ports, users) is answered
 * as {@link FAILING} and logged.
 */
export class NotReady extends Error {}

export const FAILING = 'failing (the reason is in the service log)';

/** A failing dependency's reason is logged when it changes, and at least this often while it lasts. */
const RELOG_MS = 60_000;

/**
 * The service's readiness checks: its dependencies', and those a module adds for state of its own that must be in
 * place before it takes traffic (the gateway's read models until their first fill is done).
 */
@Injectable()
export class Readiness {
  private readonly checks: ReadinessCheck[];

  constructor(@Inject(READINESS_CHECKS) dependencies: readonly ReadinessCheck[]) {
    this.checks = [...dependencies];
  }

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  get all(): readonly ReadinessCheck[] {
    return this.checks;
  }
}

@Public()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Readiness');
  private checking: Promise<HealthCheckResult> | undefined;
  private readonly logged = new Map<string, { reason: string; at: number }>();

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: Readiness,
  ) {}

  /** Liveness: the process answers. Never checks dependencies, so a broker outage does not restart every pod. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Readiness: every dependency checked. Requests that arrive while a check runs share its answer, so probes (which
   * are not rate-limited: the kubelet may probe from an address clients share) never run more than one at a time.
   */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    if (processLifecycle.stopping)
      return this.health.check([async () => this.indicators.check('shutdown').down({ message: 'stopping' })]);
    this.checking ??= this.checkDependencies().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private checkDependencies(): Promise<HealthCheckResult> {
    return this.health.check(
      this.readiness.all.map((c) => async () => {
        const indicator = this.indicators.check(c.name);
        try {
          const ok = (await withTimeout(c.check(), 2_000)) !== false;
          if (ok) {
            this.logged.delete(c.name);
            return indicator.up();
          }
          this.log(c.name, 'check returned false');
          return indicator.down({ message: FAILING });
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          this.log(c.name, reason);
          return indicator.down({ message: error instanceof NotReady ? reason : FAILING });
        }
      }),
    );
  }

  /** Every failing reason is logged (when it changes, and once a minute while it lasts), answered or not. */
  private log(name: string, reason: string): void {
    const last = this.logged.get(name);
    const now = Date.now();
    if (!last || last.reason !== reason || now - last.at >= RELOG_MS) {
      this.logged.set(name, { reason, at: now });
      this.logger.warn(`not ready: ${name} ${reason}`);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Words of our own, answered as they are: "slow" and "down" are worth telling apart from outside.
    const timer = setTimeout(() => reject(new NotReady(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

@Module({})
export class HealthModule {
  /** `checks` is a provider factory so each service lists its own real dependencies. */
  static forChecks(checks: Omit<Extract<Provider, { useFactory: unknown }>, 'provide'>): DynamicModule {
    return {
      module: HealthModule,
      global: true,
      imports: [TerminusModule],
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, ...checks }, Readiness],
      exports: [Readiness],
    };
  }
}
