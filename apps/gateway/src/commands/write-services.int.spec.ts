import { InProcessBus, serveRequests, type TopicSpec } from '@app/messaging';
import { TOPICS } from '@app/contracts';
import { loadRequestSigningKeys } from '@app/platform';
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

/** The gateway's way to the write services over `bus` (identity requests need no standing in an organization). */
async function writeServicesOn(bus: InProcessBus): Promise<WriteServices> {
  return new WriteServices(
    bus,
    readGatewayConfig({}),
    loadRequestSigningKeys({ dataDir: await makeTempDir('write-services'), sender: 'gateway' }),
    undefined as unknown as OrgAccess, // not reached
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
