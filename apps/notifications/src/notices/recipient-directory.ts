import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  StreamNotFoundError,
  type EventStoreDBClient,
} from '@eventstore/db-client';

export interface Contact {
  readonly email: string;
  readonly name: string;
}

/**
 * Addresses and names read from the event store when a notice is sent: the user's own stream (short) for their
 * address and name, the organization's for its name. Nothing is copied into a second store to fall out of date.
 */
export class RecipientDirectory {
  constructor(private readonly client: EventStoreDBClient) {}

  async contactOf(userId: string): Promise<Contact | undefined> {
    let contact: { email?: string; name?: string } | undefined;
    for (const event of await this.read(`user-${userId}`, FORWARDS, START, 10_000)) {
      const data = event.data as Record<string, unknown>;
      if (event.type === 'UserRegistered') contact = { email: String(data.email), name: String(data.name) };
      else if (event.type === 'EmailChanged' && contact) contact = { ...contact, email: String(data.email) };
      else if (event.type === 'ProfileUpdated' && contact && typeof data.name === 'string')
        contact = { ...contact, name: data.name };
      else if (event.type === 'UserDeleted') contact = undefined;
    }
    return contact?.email ? { email: contact.email, name: contact.name ?? '' } : undefined;
  }

  /** The name of the latest settings, looked for among the last events, else the one it was created with. */
  async organizationNameOf(orgId: string): Promise<string | undefined> {
    const stream = `organization-${orgId}`;
    for (const event of await this.read(stream, BACKWARDS, END, 500))
      if (event.type === 'SettingsUpdated' || event.type === 'OrganizationCreated')
        return String((event.data as Record<string, unknown>).name);
    const [created] = await this.read(stream, FORWARDS, START, 1);
    return created?.type === 'OrganizationCreated'
      ? String((created.data as Record<string, unknown>).name)
      : undefined;
  }

  /** Reads to the end (a read left half-consumed keeps its gRPC stream open). */
  private async read(
    stream: string,
    direction: typeof FORWARDS | typeof BACKWARDS,
    from: typeof START | typeof END,
    maxCount: number,
  ): Promise<{ type: string; data: unknown }[]> {
    const events: { type: string; data: unknown }[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, {
        direction,
        fromRevision: from,
        maxCount,
      }))
        if (resolved.event) events.push({ type: resolved.event.type, data: resolved.event.data });
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return events;
  }
}
