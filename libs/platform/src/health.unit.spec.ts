import { type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { HealthModule, type ReadinessCheck } from './health';

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

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not reached within 2 s');
}
