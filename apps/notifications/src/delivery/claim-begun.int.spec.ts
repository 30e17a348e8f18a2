import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { infraEnv, makeTempDir } from '@app/testing';
import { deliveryIdOf, LocalDeliveryLog, type DeliveryLog } from './delivery-log';
import { MongoDeliveryLog } from './mongo-delivery-log';
import { type OutgoingEmail } from './outgoing-message';

const message = (): OutgoingEmail => ({
  channel: 'email',
  to: `ada-${randomUUID().slice(0, 8)}@example.com`,
  subject: 'Invitation',
  text: 'Follow the link.',
  idempotencyKey: randomUUID(),
});

const logs: [string, () => Promise<DeliveryLog>][] = [
  ['in a file', async () => new LocalDeliveryLog(join(await makeTempDir('claim-begun'), 'deliveries.jsonl'))],
  ...(infraEnv.mongoUrl
    ? ([
        [
          'in MongoDB',
          () =>
            MongoDeliveryLog.connect(
              `${infraEnv.mongoUrl!.replace(/\/$/, '')}/claim_begun_${randomUUID().slice(0, 8)}`,
            ),
        ],
      ] as [string, () => Promise<DeliveryLog>][])
    : []),
];

/** Withdrawing a message settles a delivery already begun; it never records one, not even one an erasure forgot. */
describe.each(logs)('claiming only a delivery already begun, the delivery log %s', (_name, open) => {
  let log: DeliveryLog;
  beforeAll(async () => {
    log = await open();
  });
  afterAll(() => log.close());

  it('claims a pending delivery whose lease is free; a busy one is busy, a settled one settled', async () => {
    const pending = message();
    const first = await log.claim(pending, 1_000, 30_000);
    expect(first.kind).toBe('claimed');
    expect((await log.claimBegun(deliveryIdOf(pending), 2_000, 30_000))?.kind).toBe('busy');
    const again = await log.claimBegun(deliveryIdOf(pending), 40_000, 30_000);
    expect(again?.kind).toBe('claimed');
    if (again?.kind !== 'claimed') return;
    await log.finish(again.record, { status: 'failed', attempts: 1, lastError: 'withdrawn' }, 41_000);
    expect((await log.claimBegun(deliveryIdOf(pending), 50_000, 30_000))?.kind).toBe('settled');
  });

  it('records nothing for a delivery never begun', async () => {
    const never = message();
    expect(await log.claimBegun(deliveryIdOf(never), 1_000, 30_000)).toBeUndefined();
    expect(await log.find(deliveryIdOf(never))).toBeUndefined();
  });
});
