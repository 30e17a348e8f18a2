/**
 * Where an ephemeral group's member is in each partition. Such a group commits nothing (nothing of it outlives its
 * instance), and kafkajs forgets its position at every rejoin (a coordinator moving, a broker restarting, another
 * member) and restart after a crash: it would start again at the newest message and skip what arrived meanwhile (a
 * reply, an erasure to forget). After a join, the member seeks back to where it was in the partitions it kept: the
 * message after the last one done there, or, where none was done yet, the end of the partition when it subscribed.
 */
export class RememberedPositions {
  private readonly next = new Map<string, { topic: string; partition: number; offset: string }>();

  /** Where a partition stood when the member subscribed (its end): kept until a message there is done. */
  startAt(topic: string, partition: number, offset: string): void {
    const key = `${topic}/${partition}`;
    if (!this.next.has(key)) this.next.set(key, { topic, partition, offset });
  }

  /** `offset` and everything before it in its partition is done. */
  handled(topic: string, partition: number, offset: string): void {
    this.next.set(`${topic}/${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
  }

  /** The positions to seek to among the partitions assigned at a join (topic -> partitions). */
  within(
    assignment: Readonly<Record<string, readonly number[]>>,
  ): { topic: string; partition: number; offset: string }[] {
    const positions = [];
    for (const [topic, partitions] of Object.entries(assignment))
      for (const partition of partitions) {
        const position = this.next.get(`${topic}/${partition}`);
        if (position) positions.push(position);
      }
    return positions;
  }
}
