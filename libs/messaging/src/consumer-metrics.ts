import { consumerCrashes, consumerLag, messagesHandled } from '@app/metrics';

/** A consumer group is done with one message: its lag is what remains after it, and it was handled or dead-lettered. */
export function recordConsumed(
  group: string,
  topic: string,
  partition: number,
  remaining: number,
  deadLettered: boolean,
): void {
  consumerLag.set({ group, topic, partition: String(partition) }, Math.max(0, remaining));
  messagesHandled.inc({ group, topic, outcome: deadLettered ? 'dead-lettered' : 'handled' });
}

/** A group's crash counts exist from its start, at 0, so a rate over them sees the first crash too. */
export function recordConsumerStarted(group: string): void {
  for (const restartedBy of ['kafkajs', 'bus'] as const)
    consumerCrashes.inc({ group, restarted_by: restartedBy }, 0);
}

/** A consumer stopped on an error; `restartedBy` says whether kafkajs starts it again or the bus does. */
export function recordConsumerCrash(group: string, restartedBy: 'kafkajs' | 'bus'): void {
  consumerCrashes.inc({ group, restarted_by: restartedBy });
}
