import { type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { initHttpApp, readInfrastructureConfig } from '@app/platform';
import { waitFor } from '@app/testing';
import { startTestEventStore, type TestEventStore } from '@app/testing/test-event-store';
import { createGatewayApp } from '../apps/gateway/src/gateway.app';
import { createIdentityApp } from '../apps/identity/src/identity.app';
import { createMembershipApp } from '../apps/membership/src/membership.app';
import { createNotificationsApp } from '../apps/notifications/src/notifications.app';

const services = [
  ['gateway', createGatewayApp, ['eventstore', 'bus', 'readstore', 'read-models', 'command-replies']],
  ['identity', createIdentityApp, ['eventstore', 'bus', 'readstore']],
  ['membership', createMembershipApp, ['eventstore', 'bus']],
  ['notifications', createNotificationsApp, ['eventstore', 'bus', 'readstore']],
] as const;

describe('every service boots with health and metrics endpoints', () => {
  let store: TestEventStore;
  beforeAll(async () => {
    store = await startTestEventStore();
  });
  afterAll(() => store.stop());

  describe.each(services)('%s', (name, create, dependencies) => {
    let app: INestApplication;
    beforeAll(async () => {
      const infra = { ...readInfrastructureConfig(), eventStoreConnectionString: store.connectionString };
      app = await create(infra, { quiet: true });
      await initHttpApp(app);
    });
    afterAll(() => app.close());

    it('answers /health/live, without naming what it runs on', async () => {
      const res = await request(app.getHttpServer()).get('/health/live').expect(200);
      expect(res.body.status).toBe('ok');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('checks its real dependencies on /health/ready', async () => {
      // The gateway is ready once its read models are filled, which runs after start.
      await waitFor(async () => (await request(app.getHttpServer()).get('/health/ready')).status === 200, {
        timeoutMs: 10_000,
        what: `${name} ready`,
      });
      const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
      expect(Object.keys(res.body.info).sort()).toEqual([...dependencies].sort());
      for (const dependency of dependencies) expect(res.body.info[dependency].status).toBe('up');
    });

    it('created its topics and their dead-letter topics at start-up', async () => {
      const bus = app.get<MessageBus>(MESSAGE_BUS);
      await expect(
        bus.publish([
          { topic: `${TOPICS.identityUsers}.dlq`, key: 'boot-test', headers: {}, value: Buffer.from('{}') },
        ]),
      ).resolves.toBeUndefined();
    });

    it('serves Prometheus metrics on /metrics with request latencies', async () => {
      await request(app.getHttpServer()).get('/health/live');
      const res = await request(app.getHttpServer()).get('/metrics').expect(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.text).toMatch(
        new RegExp(
          `http_request_duration_seconds_count\\{service="${name}",method="GET",route="/health/live",status="200"\\}`,
        ),
      );
    });

    it('echoes a safe x-correlation-id and mints one otherwise', async () => {
      const echoed = await request(app.getHttpServer())
        .get('/health/live')
        .set('x-correlation-id', 'abc-123');
      expect(echoed.headers['x-correlation-id']).toBe('abc-123');
      const minted = await request(app.getHttpServer())
        .get('/health/live')
        .set('x-correlation-id', '<script>');
      expect(minted.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  it('the gateway serves its OpenAPI document and Swagger UI', async () => {
    const infra = { ...readInfrastructureConfig(), eventStoreConnectionString: store.connectionString };
    const app = await createGatewayApp(infra, { quiet: true });
    await initHttpApp(app);
    try {
      const spec = await request(app.getHttpServer()).get('/docs/openapi.json').expect(200);
      expect(spec.body.openapi).toMatch(/^3\./);
      expect(spec.body.info.title).toBe('Identity & membership platform');
      await request(app.getHttpServer()).get('/docs').expect(200).expect('content-type', /html/);
    } finally {
      await app.close();
    }
  });

  it('reports not ready when the event store is unreachable', async () => {
    const infra = {
      ...readInfrastructureConfig(),
      eventStoreConnectionString: 'esdb://127.0.0.1:1?tls=false',
    };
    const app = await createMembershipApp(infra, { quiet: true });
    await initHttpApp(app);
    try {
      const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(res.body.error.eventstore.status).toBe('down');
      expect(res.body.code).toBe('service-unavailable');
    } finally {
      await app.close();
    }
  });
});
