import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { RequestSigner } from '@app/messaging';
import { loadRequestSigningKeys, readInfrastructureConfig } from '@app/platform';
import { useTestEventStore } from '@app/testing/test-event-store';
import { createMembershipApp } from '../membership.app';
import { type CommandReply } from './command-reply';
import { OrganizationCommandHandler, organizationStream } from './organization-command-handler';

/**
 * Issue 8, items 13 and 15: two instances of membership on one event store (and, in the infra pass, one Kafka),
 * each receiving the same command, then both restarted: the command is applied once. Nothing about recognising a
 * retry lives in one instance's memory.
 */
describe('two membership instances, restarted: a command is applied once', () => {
  const eventStore = useTestEventStore();
  const infra = () => ({
    ...readInfrastructureConfig(),
    eventStoreConnectionString: eventStore.store.connectionString,
  });
  const gateway = () =>
    new RequestSigner(loadRequestSigningKeys({ dataDir: infra().dataDir, sender: 'gateway' }), 'gateway');
  let instances: INestApplication[] = [];

  async function startTwo(): Promise<INestApplication[]> {
    const started = [];
    for (let i = 0; i < 2; i++) {
      const app = await createMembershipApp(infra(), { quiet: true });
      await app.init();
      started.push(app);
    }
    return started;
  }
  const through = (app: INestApplication, payload: unknown) =>
    app.get(OrganizationCommandHandler).handleRequest(payload) as Promise<CommandReply>;

  afterEach(async () => {
    for (const app of instances) await app.close();
    instances = [];
  });

  async function sentInvitations(orgId: string): Promise<number[]> {
    const sequences: number[] = [];
    for await (const e of eventStore.client.readStream(organizationStream(orgId)))
      if (e.event?.type === 'InvitationSent')
        sequences.push((e.event.data as { sendSequence: number }).sendSequence);
    return sequences;
  }

  it('a retried SendInvitation, through the other instance and after restarting both, sends one link', async () => {
    instances = await startTwo();
    const [a, b] = instances as [INestApplication, INestApplication];
    const orgId = randomUUID();
    const signed = (commandId: string, command: Record<string, unknown>) =>
      gateway().sign({ commandId, orgId, actorId: 'owner', command });
    expect(
      await through(a, signed(randomUUID(), { type: 'CreateOrganization', name: 'Acme' })),
    ).toMatchObject({ ok: true });
    expect(
      await through(
        b,
        signed(randomUUID(), {
          type: 'InviteMember',
          invitationId: 'inv',
          email: 'ada@example.com',
          role: 'user',
          send: false,
        }),
      ),
    ).toMatchObject({ ok: true, events: 1 });
    const send = signed(randomUUID(), { type: 'SendInvitation', invitationId: 'inv' });
    expect(await through(a, send)).toMatchObject({ ok: true, events: 1, duplicate: false });
    expect(await through(b, send)).toMatchObject({ ok: true, events: 0, duplicate: true });
    // Every instance of the group, concurrently, sees it as the same command.
    const racing = await Promise.all([
      through(a, send),
      through(b, send),
      through(a, send),
      through(b, send),
    ]);
    expect(racing.every((r) => r.ok && r.duplicate)).toBe(true);

    for (const app of instances) await app.close();
    instances = await startTwo();
    for (const app of instances)
      expect(await through(app, send)).toMatchObject({ ok: true, events: 0, duplicate: true });
    expect(await sentInvitations(orgId)).toEqual([1]);
  });

  it('the same command id for something else is refused on every instance, before and after restarts', async () => {
    instances = await startTwo();
    const [a, b] = instances as [INestApplication, INestApplication];
    const orgId = randomUUID();
    const commandId = randomUUID();
    const create = gateway().sign({
      commandId,
      orgId,
      actorId: 'owner',
      command: { type: 'CreateOrganization', name: 'Acme' },
    });
    const reuse = gateway().sign({
      commandId,
      orgId,
      actorId: 'owner',
      command: { type: 'DeleteOrganization' },
    });
    expect(await through(a, create)).toMatchObject({ ok: true, events: 1 });
    expect(await through(b, reuse)).toMatchObject({
      ok: false,
      error: { code: 'command-id-reused', kind: 'conflict' },
    });
    for (const app of instances) await app.close();
    instances = await startTwo();
    expect(await through(instances[1]!, reuse)).toMatchObject({
      ok: false,
      error: { code: 'command-id-reused' },
    });
    expect(await through(instances[0]!, create)).toMatchObject({ ok: true, duplicate: true });
  });
});
