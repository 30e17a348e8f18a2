import { randomUUID } from 'node:crypto';
import { describeIf, infraEnv } from '@app/testing';
import { type DeliveryRecord } from './delivery-log';
import { FileSmsTransport } from './sms-transport';
import { SmtpMailTransport } from './mail-transport';
import { MongoDeliveryLog } from './mongo-delivery-log';
import { Notifier } from './notifier';
import { type OutgoingEmail } from './outgoing-message';
import { mongoCommand, startCuttingProxy } from './cutting-proxy.testing';
import { startSmtpServer } from './smtp-server.testing';

const COLLECTION = 'notification_deliveries';

const email = (key: string): OutgoingEmail => ({
  channel: 'email',
  to: 'ada@example.com',
  subject: 'Your password was changed',
  text: 'If this was not you, reset it.',
  idempotencyKey: key,
});

/**
 * The MongoDB delivery log when a round trip of its batched writes fails: through a proxy that cuts the connection
 * before the server sees a write, or after it acted on it and before its answer arrives.
 */
describeIf(infraEnv.mongoUrl)('MongoDeliveryLog when a batched write loses its connection', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  async function setUp() {
    const mongo = new URL(infraEnv.mongoUrl!);
    const proxy = await startCuttingProxy({ host: mongo.hostname, port: Number(mongo.port) });
    cleanup.push(() => proxy.close());
    const database = `deliveries_${randomUUID().slice(0, 8)}`;
    const log = await MongoDeliveryLog.connect(`mongodb://${proxy.host}:${proxy.port}/${database}`);
    cleanup.push(() => log.close());
    const smtp = await startSmtpServer();
    cleanup.push(() => smtp.stop());
    const transport = new SmtpMailTransport(smtp.url, 'no-reply@platform.test');
    cleanup.push(() => transport.close());
    const announced: DeliveryRecord[] = [];
    const notifier = new Notifier(transport, new FileSmsTransport('/nonexistent'), log, {
      onSettled: async (record) => {
        announced.push(record);
      },
    });
    return { proxy, log, smtp, notifier, announced };
  }

  it('a claim whose insert never reached the store is refused, so nothing is sent until a claim holds', async () => {
    const { proxy, smtp, notifier, log } = await setUp();
    const cut = proxy.cutNext(mongoCommand('insert', COLLECTION), 'request');
    await expect(notifier.deliver(email('evt-lost-insert'))).rejects.toThrow();
    await cut;
    expect(smtp.received).toHaveLength(0);
    expect(await log.find('evt-lost-insert|email|ada@example.com')).toBeUndefined();
    // the bus delivers the event again
    expect(await notifier.deliver(email('evt-lost-insert'))).toMatchObject({ status: 'sent', attempts: 1 });
    expect(smtp.received).toHaveLength(1);
  });

  it('a claim whose answer was lost is still this claim: the store holds it with its lease token', async () => {
    const { proxy, log } = await setUp();
    const cut = proxy.cutNext(mongoCommand('insert', COLLECTION), 'reply');
    const claim = await log.claim(email('evt-lost-answer'), Date.now(), 60_000);
    await cut;
    if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
    expect(await log.find(claim.record._id)).toMatchObject({ leaseToken: claim.record.leaseToken });
    expect(await log.finish(claim.record, { status: 'sent', attempts: 1 }, Date.now())).toMatchObject({
      status: 'sent',
    });
  });

  it('a finish whose answer was lost is announced as the store holds it, under one event id', async () => {
    const { proxy, log, smtp, notifier, announced } = await setUp();
    const cut = proxy.cutNext(mongoCommand('update', COLLECTION), 'reply');
    const sent = await notifier.deliver(email('evt-lost-finish'));
    await cut;
    const stored = await log.find('evt-lost-finish|email|ada@example.com');
    expect(stored).toMatchObject({ status: 'sent', attempts: 1 });
    // what was announced is what the first (landed) write left, not what the retry would have written
    expect(sent?.updatedAt).toBe(stored!.updatedAt);
    expect(announced.map((r) => r.updatedAt)).toEqual([stored!.updatedAt]);
    // the event again: settled, announced again with the same updatedAt (so the same outcome event id)
    expect(await notifier.deliver(email('evt-lost-finish'))).toBeUndefined();
    expect(announced.map((r) => r.updatedAt)).toEqual([stored!.updatedAt, stored!.updatedAt]);
    expect(smtp.received).toHaveLength(1);
  });
});
