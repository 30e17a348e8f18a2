import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import {
  MESSAGE_BUS,
  RequestReplyClient,
  RequestSigner,
  subscribeToEvents,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { loadRequestSigningKeys, readInfrastructureConfig } from '@app/platform';
import { waitFor } from '@app/testing';
import { readIdentityConfig, type IdentityConfig } from '../config/identity.config';
import { createIdentityApp } from '../identity.app';
import { type IdentityReply } from './identity-command-handler';

/** The identity service on a test event store and the configured bus, with a requester and an inbox of mails/events. */
export async function startIdentity(
  connectionString: string,
  config: Partial<IdentityConfig> = {},
  /** Keep secrets and session state under this directory, as the embedded default does (else all in memory). */
  dataDir?: string,
): Promise<IdentityHarness> {
  const infra = {
    ...readInfrastructureConfig(),
    eventStoreConnectionString: connectionString,
    ...(dataDir ? { dataDir } : {}),
  };
  const app = await createIdentityApp(infra, {
    quiet: true,
    persistSecrets: dataDir !== undefined,
    config: { ...readIdentityConfig({}), ...config },
  });
  await app.init();
  const bus = app.get<MessageBus>(MESSAGE_BUS);
  const harness = new IdentityHarness(
    app,
    bus,
    await RequestReplyClient.start(bus, 'identity-test'),
    new RequestSigner(loadRequestSigningKeys({ dataDir: infra.dataDir, sender: 'gateway' }), 'gateway'),
  );
  await harness.listen();
  return harness;
}

/** The token of a mailed link: in its fragment, which browsers never send to a server. */
export function tokenOfLink(link: string): string {
  return new URLSearchParams(new URL(link).hash.slice(1)).get('token')!;
}

export class IdentityHarness {
  readonly mails: EventEnvelope<Record<string, string>>[] = [];
  readonly userEvents: EventEnvelope<Record<string, unknown>>[] = [];
  private subscriptions: Subscription[] = [];

  constructor(
    readonly app: INestApplication,
    readonly bus: MessageBus,
    private readonly client: RequestReplyClient,
    /** Signs as the gateway does. */
    readonly signer: RequestSigner,
  ) {}

  async listen(): Promise<void> {
    const group = randomUUID().slice(0, 8);
    // Ephemeral: from the end of the topics as they stand now (before any command of this harness), not from the start
    // of everything the suites before it published there; and gone from the broker when closed.
    this.subscriptions = [
      await subscribeToEvents(this.bus, {
        groupId: `test-mails-${group}`,
        topics: [TOPICS.notificationCommands],
        ephemeral: true,
        handler: async (event) => void this.mails.push(event as EventEnvelope<Record<string, string>>),
      }),
      await subscribeToEvents(this.bus, {
        groupId: `test-users-${group}`,
        topics: [TOPICS.identityUsers],
        ephemeral: true,
        handler: async (event) => void this.userEvents.push(event as EventEnvelope<Record<string, unknown>>),
      }),
    ];
  }

  send(command: Record<string, unknown>, actorId?: string, commandId = randomUUID()): Promise<IdentityReply> {
    return this.raw(commandId, this.signer.sign({ commandId, ...(actorId ? { actorId } : {}), command }));
  }

  /** A payload sent as it is: unsigned, forged or signed by someone else. */
  raw(key: string, payload: unknown): Promise<IdentityReply> {
    return this.client.request<IdentityReply>(TOPICS.identityCommands, key, payload, { timeoutMs: 20_000 });
  }

  async result<T = Record<string, unknown>>(command: Record<string, unknown>, actorId?: string): Promise<T> {
    const reply = await this.send(command, actorId);
    if (!reply.ok) throw new Error(`${String(command.type)} refused: ${JSON.stringify(reply.error)}`);
    return reply.result as T;
  }

  /** The token of the newest mail of a template to an address, among those from the `since`th on (waits for it). */
  async linkToken(template: string, to: string, since = 0): Promise<string> {
    const mail = await waitFor(
      () =>
        this.mails
          .slice(since)
          .reverse()
          .find((m) => m.data.template === template && m.data.to === to),
      {
        timeoutMs: 10_000,
      },
    );
    return tokenOfLink(mail.data.link!);
  }

  /** Registers and verifies; returns the user id. */
  async registerVerified(
    email: string,
    password = 'correct horse battery',
    extra: Record<string, unknown> = {},
  ) {
    // The link of this registration: an address registered before (and deleted) got one too, which may still be the
    // newest while this one's mail is on its way.
    const since = this.mails.length;
    await this.result({ type: 'Register', name: 'Test User', email, password, ...extra });
    const token = await this.linkToken('verify-email', email.toLowerCase(), since);
    const profile = await this.result<{ userId: string }>({ type: 'VerifyEmail', token });
    return profile.userId;
  }

  /** Asks for the move to `to` and uses the link mailed there; returns the profile the move answers. */
  async changeEmail(userId: string, to: string, password = 'correct horse battery') {
    await this.result({ type: 'ChangeEmail', email: to, password }, userId);
    const token = await this.linkToken('verify-email', to.toLowerCase());
    return this.result<{ email: string; emailVerified: boolean }>({ type: 'VerifyEmail', token });
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) await s.close();
    await this.client.close();
    await this.app.close();
  }
}
