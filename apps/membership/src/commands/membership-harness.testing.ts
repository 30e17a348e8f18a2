import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { TOPICS } from '@app/contracts';
import { AggregateStore } from '@app/event-store';
import { MESSAGE_BUS, RequestReplyClient, type MessageBus } from '@app/messaging';
import { readInfrastructureConfig } from '@app/platform';
import { type MembershipConfig } from '../config/membership.config';
import { createMembershipApp } from '../membership.app';
import { organizationDecider } from '../organizations/organization.decider';
import { type ActiveOrganization } from '../organizations/organization.state';
import { type CommandReply } from './command-reply';
import { organizationStream } from './organization-command-handler';

/** The membership service on a test event store and the configured bus, with a requester. */
export async function startMembership(
  eventStore: { client: EventStoreDBClient; connectionString: string },
  config: Partial<MembershipConfig> = {},
): Promise<MembershipHarness> {
  const app = await createMembershipApp(
    { ...readInfrastructureConfig(), eventStoreConnectionString: eventStore.connectionString },
    { quiet: true, config },
  );
  await app.init();
  const bus = app.get<MessageBus>(MESSAGE_BUS);
  return new MembershipHarness(
    app,
    bus,
    eventStore.client,
    await RequestReplyClient.start(bus, `membership-test-${randomUUID().slice(0, 8)}`),
  );
}

export class MembershipHarness {
  constructor(
    readonly app: INestApplication,
    readonly bus: MessageBus,
    private readonly client: EventStoreDBClient,
    readonly requests: RequestReplyClient,
  ) {}

  query<T>(payload: Record<string, unknown>): Promise<T> {
    return this.requests.request<T>(TOPICS.membershipCommands, randomUUID(), payload, { timeoutMs: 20_000 });
  }

  send(
    orgId: string,
    actorId: string,
    command: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<CommandReply> {
    const commandId = randomUUID();
    return this.requests.request<CommandReply>(
      TOPICS.membershipCommands,
      orgId,
      { commandId, orgId, actorId, command, ...extra },
      { timeoutMs: 20_000 },
    );
  }

  async organization(ownerId: string, members: string[] = []): Promise<string> {
    const orgId = randomUUID();
    await this.expectOk(this.send(orgId, ownerId, { type: 'CreateOrganization', name: 'Acme' }));
    for (const userId of members)
      await this.expectOk(
        this.send(orgId, 'system', { type: 'AdmitMember', userId, role: 'user', via: 'invitation' }),
      );
    return orgId;
  }

  async expectOk(reply: Promise<CommandReply>): Promise<void> {
    const settled = await reply;
    if (!settled.ok) throw new Error(`refused: ${JSON.stringify(settled.error)}`);
  }

  async state(orgId: string): Promise<ActiveOrganization> {
    const loaded = await new AggregateStore(this.client).load(organizationStream(orgId), {
      decider: organizationDecider(),
    });
    return loaded.state as ActiveOrganization;
  }

  async close(): Promise<void> {
    await this.requests.close();
    await this.app.close();
  }
}
