import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { TOPICS, userStream } from '@app/contracts';
import { AggregateStore } from '@app/event-store';
import {
  MESSAGE_BUS,
  RequestReplyClient,
  RequestSigner,
  type SendersKeys,
  type MessageBus,
  type RequestSender,
} from '@app/messaging';
import { loadSendersKeys, readInfrastructureConfig } from '@app/platform';
import { type MembershipConfig } from '../config/membership.config';
import { createMembershipApp } from '../membership.app';
import { organizationDecider } from '../organizations/organization.decider';
import { type ActiveOrganization } from '../organizations/organization.state';
import { type CommandReply } from './command-reply';
import { trusted } from './membership-request';
import { OrganizationCommandHandler, organizationStream } from './organization-command-handler';

/**
 * INVITATION_TOKEN_SECRET for the enclosing `describe` (membership reads it when it starts, so call this before the
 * hook that starts it), put back as it was afterwards.
 */
export function useInvitationTokenSecret(secret: string): void {
  const previous = process.env.INVITATION_TOKEN_SECRET;
  beforeAll(() => {
    process.env.INVITATION_TOKEN_SECRET = secret;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.INVITATION_TOKEN_SECRET;
    else process.env.INVITATION_TOKEN_SECRET = previous;
  });
}

/** The membership service on a test event store and the configured bus, with a requester. */
export async function startMembership(
  eventStore: { client: EventStoreDBClient; connectionString: string },
  config: Partial<MembershipConfig> = {},
): Promise<MembershipHarness> {
  const infra = { ...readInfrastructureConfig(), eventStoreConnectionString: eventStore.connectionString };
  const app = await createMembershipApp(infra, { quiet: true, config });
  await app.init();
  const bus = app.get<MessageBus>(MESSAGE_BUS);
  return new MembershipHarness(
    app,
    bus,
    eventStore.client,
    await RequestReplyClient.start(bus, 'membership-test'),
    loadSendersKeys({ dataDir: infra.dataDir, senders: ['gateway', 'identity'] }),
  );
}

export class MembershipHarness {
  constructor(
    readonly app: INestApplication,
    readonly bus: MessageBus,
    private readonly client: EventStoreDBClient,
    readonly requests: RequestReplyClient,
    private readonly keys: SendersKeys,
  ) {}

  /** Signs as one of our services would (the gateway by default). */
  signed(payload: Record<string, unknown>, sender: RequestSender = 'gateway'): Record<string, unknown> {
    return new RequestSigner(this.keys[sender]!, sender).sign(payload);
  }

  query<T>(payload: Record<string, unknown>, sender: RequestSender = 'identity'): Promise<T> {
    return this.raw<T>(randomUUID(), this.signed(payload, sender));
  }

  /** A payload sent as it is: unsigned, forged or signed by someone else. */
  raw<T = CommandReply>(key: string, payload: unknown): Promise<T> {
    return this.requests.request<T>(TOPICS.membershipCommands, key, payload, { timeoutMs: 20_000 });
  }

  send(
    orgId: string,
    actorId: string,
    command: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    sender: RequestSender = 'gateway',
  ): Promise<CommandReply> {
    const commandId = randomUUID();
    return this.raw(orgId, this.signed({ commandId, orgId, actorId, command, ...extra }, sender));
  }

  /** The system's in-process work, e.g. seeding members (never possible over the bus). */
  system(orgId: string, command: Record<string, unknown> & { type: string }): Promise<CommandReply> {
    return this.app
      .get(OrganizationCommandHandler)
      .execute(
        trusted({ commandId: randomUUID(), orgId, actorId: 'system', command: command as never }),
      ) as Promise<CommandReply>;
  }

  async organization(ownerId: string, members: string[] = []): Promise<string> {
    const orgId = randomUUID();
    await this.expectOk(this.send(orgId, ownerId, { type: 'CreateOrganization', name: 'Acme' }));
    for (const userId of members)
      await this.expectOk(
        this.system(orgId, { type: 'AdmitMember', userId, role: 'user', via: 'invitation' }),
      );
    return orgId;
  }

  /**
   * Records in identity's stream of `userId` (as identity's events) that their address is now `email`, verified or
   * not (R16: what proves a domain claim).
   */
  async addressOf(userId: string, email: string, verified = true): Promise<void> {
    const at = new Date().toISOString();
    const stamp = { userId, actorId: userId, at };
    await this.client.appendToStream(userStream(userId), [
      jsonEvent({ type: 'EmailChanged', data: { ...stamp, previousEmail: '', email } }),
      ...(verified ? [jsonEvent({ type: 'EmailVerified', data: { ...stamp, email } })] : []),
    ]);
  }

  async expectOk(reply: Promise<CommandReply>): Promise<void> {
    const settled = await reply;
    if (!settled.ok) throw new Error(`refused: ${JSON.stringify(settled.error)}`);
  }

  async state(orgId: string): Promise<ActiveOrganization> {
    // The service's own store: it opens the invitees' sealed addresses.
    const loaded = await this.app.get(AggregateStore).load(organizationStream(orgId), {
      decider: organizationDecider(),
    });
    return loaded.state as ActiveOrganization;
  }

  /** What each event of the organization's stream was caused by (its metadata's `causationId`), by type. */
  async causes(orgId: string): Promise<{ type: string; userId?: string; causationId?: string }[]> {
    const recorded: { type: string; userId?: string; causationId?: string }[] = [];
    for await (const { event } of this.client.readStream(organizationStream(orgId)))
      if (event)
        recorded.push({
          type: event.type,
          userId: (event.data as { userId?: string }).userId,
          causationId: (event.metadata as { causationId?: string }).causationId,
        });
    return recorded;
  }

  async close(): Promise<void> {
    await this.requests.close();
    await this.app.close();
  }
}
