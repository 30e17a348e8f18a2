// Started as its own process by reply-groups.int.spec.ts: a requester that is then killed without closing anything.
import { KafkaBus, RequestReplyClient } from '@app/messaging';

async function main(): Promise<void> {
  const [requester, instanceId] = process.argv.slice(2) as [string, string];
  const bus = new KafkaBus({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: instanceId });
  await RequestReplyClient.start(bus, requester, instanceId);
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000);
}

void main();
