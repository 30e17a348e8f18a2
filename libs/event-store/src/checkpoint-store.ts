/** Where a subscriber remembers how far it got. Positions are opaque strings (`commit/prepare` for `$all`). */
export interface CheckpointStore {
  load(subscriptionName: string): Promise<string | undefined>;
  save(subscriptionName: string, position: string): Promise<void>;
}

export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, string>();

  async load(subscriptionName: string): Promise<string | undefined> {
    return this.positions.get(subscriptionName);
  }

  async save(subscriptionName: string, position: string): Promise<void> {
    this.positions.set(subscriptionName, position);
  }
}
