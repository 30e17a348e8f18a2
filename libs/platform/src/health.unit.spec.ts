import { Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { FAILING, HealthModule, NotReady, type ReadinessCheck } from './health';

/** A dependency check that answers when the test says so, counting how often it was asked. */
function heldCheck() {
  const state = { asked: 0, up: true, release: () => {} };
  const check: ReadinessCheck = {
    name: 'store',
    check: () => {
      state.asked += 1;
      return new Promise<boolean>((resolve) => (state.release = () => resolve(state.up)));
    },
  };
  return { state, check };
}

describe('readiness', () => {
  let app: INestApplication;
  const held = heldCheck();
  let arrived = 0;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [HealthModule.forChecks({ useFactory: () => [held.check] })],
    }).compile();
    app = moduleRef.createNestApplication();
    app.use((_req: unknown, _res: unknown, next: () => void) => {
      arrived += 1;
      next();
    });
    await app.init();
  });

  afterAll(() => app.close());

  it('probes that arrive while a check runs share it, and the next probe checks again', async () => {
    const probes = [1, 2, 3, 4, 5].map(() =>
      request(app.getHttpServer())
        .get('/health/ready')
        .then((r) => r),
    );
    // Every probe has arrived before the check answers (from there to the route is no I/O, only a few turns).
    await waitUntil(() => arrived === 5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(held.state.asked).toBe(1);
    held.state.release();
    const answers = await Promise.all(probes);
    expect(answers.map((r) => [r.status, r.body.info?.store?.status])).toEqual(
      [1, 2, 3, 4, 5].map(() => [200, 'up']),
    );

    // A check that has ended is not reused: the dependency went down, and the next probe says so.
    held.state.up = false;
    const next = request(app.getHttpServer())
      .get('/health/ready')
      .then((r) => r);
    await waitUntil(() => held.state.asked === 2);
    held.state.release();
    const down = await next;
    expect([down.status, down.body.error?.store?.status]).toEqual([503, 'down']);
  });
});

describe('readiness answers', () => {
  const failures: Record<string, () => Promise<boolean | void>> = {
    driver: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.7.3:27017 (user svc-reader)')),
    falsy: () => Promise.resolve(false),
    filling: () => Promise.reject(new NotReady('being filled from the event store')),
    slow: () => new Promise<boolean>(() => undefined),
  };
  let app: INestApplication;
  const warnings: string[] = [];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        HealthModule.forChecks({
          useFactory: () => Object.entries(failures).map(([name, check]) => ({ name, check })),
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    await app.init();
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await app.close();
  });

  it('name no host, port or user of a failing dependency (the route is public), and log the reason instead', async () => {
    for (let probe = 0; probe < 2; probe++) {
      const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(res.body.error).toEqual({
        driver: { status: 'down', message: FAILING },
        falsy: { status: 'down', message: FAILING },
        // A reason a check gives as NotReady is words of our own, answered as they are.
        filling: { status: 'down', message: 'being filled from the event store' },
        // Our own words too: slow is told from down.
        slow: { status: 'down', message: 'timed out after 2000 ms' },
      });
      expect(JSON.stringify(res.body)).not.toMatch(/10\.0\.7\.3|27017|svc-reader/);
    }
    // Every reason is logged, answered or not, once while it stays the same, not once per probe.
    expect(warnings.sort()).toEqual([
      'not ready: driver connect ECONNREFUSED 10.0.7.3:27017 (user svc-reader)',
      'not ready: falsy check returned false',
      'not ready: filling being filled from the event store',
      'not ready: slow timed out after 2000 ms',
    ]);
  }, 15_000);
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not reached within 2 s');
}
