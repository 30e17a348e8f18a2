import { InProcessBus, serveRequests, type TopicSpec } from '@app/messaging';
import { TOPICS } from '@app/contracts';
import { loadRequestSigningKeys, Readiness } from '@app/platform';
import { makeTempDir } from '@app/testing';
import { readGatewayConfig } from '../config/gateway.config';
import { type OrgAccess } from '../access/org-access';
import { WriteServices } from './write-services';

/** A bus that can be out of reach for one call (a broker not up yet when the gateway first needs it). */
class BusOutOfReachOnce extends InProcessBus {
  outOfReach = false;

  override async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    if (this.outOfReach) {
      this.outOfReach = false;
      throw new Error('broker out of reach');
    }
    return super.ensureTopics(specs);
  }
}

/** A bus whose broker stops answering (a start hangs in its retries) until `answer()`. */
class BusNotAnswering extends InProcessBus {
  private reachable = Promise.resolve();
  private answered = (): void => undefined;

  stopAnswering(): void {
    this.reachable = new Promise((resolve) => (this.answered = resolve));
  }

  answer(): void {
    this.answered();
  }

  override async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    await this.reachable;
    return super.ensureTopics(specs);
  }
}

/** The gateway's way to the write services over `bus` (identity requests need no standing in an organization). */
async function writeServicesOn(bus: InProcessBus, readiness?: Readiness): Promise<WriteServices> {
  return new WriteServices(
    bus,
    readGatewayConfig({}),
    loadRequestSigningKeys({ dataDir: await makeTempDir('write-services'), sender: 'gateway' }),
    undefined as unknown as OrgAccess, // not reached
    readiness,
  );
}

describe('the gateway’s way to the write services', () => {
  it('a bus out of reach at the first request fails that request only; the next one is answered', async () => {
    const bus = new BusOutOfReachOnce();
    await bus.ensureTopics([{ topic: TOPICS.identityCommands }]);
    const served = await serveRequests(bus, {
      groupId: 'identity',
      topic: TOPICS.identityCommands,
      handler: async () => ({ ok: true, result: { active: true } }),
    });
    const services = await writeServicesOn(bus);
    bus.outOfReach = true;
    try {
      const ask = () =>
        services.identity<{ active: boolean }>(
          { type: 'SessionActive', sessionId: 's1' },
          { correlationId: 'c1' },
        );
      await expect(ask()).rejects.toThrow('broker out of reach');
      await expect(ask()).resolves.toEqual({ active: true });
    } finally {
      await services.onApplicationShutdown();
      await served.close();
      await bus.close();
    }
  });

  it('a broker that does not answer the first start is a 503 within the request’s timeout, not a wait for the start', async () => {
    const bus = new BusNotAnswering();
    await bus.ensureTopics([{ topic: TOPICS.identityCommands }]);
    const served = await serveRequests(bus, {
      groupId: 'identity',
      topic: TOPICS.identityCommands,
      handler: async () => ({ ok: true, result: { active: true } }),
    });
    const readiness = new Readiness([]);
    const services = await writeServicesOn(bus, readiness);
    const [replies] = readiness.all;
    bus.stopAnswering();
    services.onApplicationBootstrap();
    const ask = () =>
      services.identity<{ active: boolean }>(
        { type: 'SessionActive', sessionId: 's1' },
        { correlationId: 'c1' },
        { timeoutMs: 200 },
      );
    try {
      await expect(ask()).rejects.toMatchObject({ status: 503, retryAfterSeconds: 1 });
      // Meanwhile it is not ready for traffic, saying why.
      await expect(replies!.check()).rejects.toThrow('joining its reply topic on the bus');
      // Once the broker answers, the start begun at bootstrap completes and requests are answered.
      bus.answer();
      await expect(ask()).resolves.toEqual({ active: true });
      await expect(replies!.check()).resolves.toBeUndefined();
    } finally {
      await services.onApplicationShutdown();
      await served.close();
      await bus.close();
    }
  });

  it('a gateway stopping while its first start fails stops cleanly', async () => {
    const bus = new BusOutOfReachOnce();
    bus.outOfReach = true;
    const services = await writeServicesOn(bus);
    const asked = services.identity({ type: 'SessionActive', sessionId: 's1' }, { correlationId: 'c1' });
    await expect(services.onApplicationShutdown()).resolves.toBeUndefined();
    await expect(asked).rejects.toThrow('broker out of reach');
    await bus.close();
  });
});
