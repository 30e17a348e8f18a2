import { randomUUID } from 'node:crypto';
import { AggregateStore } from '@app/event-store';
import { RequestVerifier } from '@app/messaging';
import { useTestEventStore } from '@app/testing/test-event-store';
import { organizationDecider } from '../organizations/organization.decider';
import { type ActiveOrganization } from '../organizations/organization.state';
import { type CommandReply, type ImportReply } from './command-reply';
import { trusted } from './membership-request';
import { OrganizationCommandHandler, organizationStream } from './organization-command-handler';

/**
 * R5, R19: a partner's invitation in a child, decided on the parent as it was just before the partner lost
 * `customers.manage` there, while another replica recorded that loss and its reaction rechecked the child before the
 * invitation was recorded (finding nothing to revoke). Two handlers over one event store stand for the two replicas.
 */
describe('an invitation given through the parent as the giver loses their place there', () => {
  const eventStore = useTestEventStore();
  const replica = () =>
    new OrganizationCommandHandler(new AggregateStore(eventStore.client), {
      verifier: new RequestVerifier({} as never),
    });

  async function ok(reply: Promise<CommandReply | ImportReply>): Promise<void> {
    const settled = await reply;
    if (!settled.ok) throw new Error(`refused: ${JSON.stringify(settled.error)}`);
  }
  const run = (
    handler: OrganizationCommandHandler,
    orgId: string,
    actorId: string,
    command: Record<string, unknown> & { type: string },
  ) => handler.execute(trusted({ commandId: randomUUID(), orgId, actorId, command: command as never }));

  const state = async (orgId: string) =>
    (
      await new AggregateStore(eventStore.client).load(organizationStream(orgId), {
        decider: organizationDecider(),
      })
    ).state as ActiveOrganization;

  /** A parent where carl holds customers.manage, and a child linked under it; both Paula's. */
  async function hierarchy(other: OrganizationCommandHandler) {
    const [parent, child] = [randomUUID(), randomUUID()];
    for (const orgId of [parent, child])
      await ok(run(other, orgId, 'paula', { type: 'CreateOrganization', name: 'Acme' }));
    await ok(
      run(other, parent, 'system', { type: 'AdmitMember', userId: 'carl', role: 'user', via: 'invitation' }),
    );
    await ok(
      run(other, parent, 'paula', {
        type: 'GrantPermissions',
        userId: 'carl',
        permissions: ['members.read', 'customers.manage'],
      }),
    );
    await ok(run(other, parent, 'paula', { type: 'LinkChildOrganization', childOrgId: child }));
    return { parent, child };
  }

  /**
   * The deciding replica reads the parent as it was; then, before it records the invitation, the other replica records
   * carl's removal from the parent and rechecks the child, as the parent's reaction does.
   */
  function racing(
    deciding: OrganizationCommandHandler,
    other: OrganizationCommandHandler,
    parent: string,
    child: string,
  ) {
    const streams = deciding.streams;
    const current = streams.active.bind(streams);
    let raced = false;
    streams.active = async (orgId) => {
      const before = await current(orgId);
      if (orgId === parent && !raced) {
        raced = true;
        await ok(run(other, parent, 'paula', { type: 'RemoveMember', userId: 'carl' }));
        await ok(run(other, child, 'system', { type: 'RecheckInvitations' }));
      }
      return before;
    };
  }

  it('R5, R19: an Admin invitation recorded after the loss is revoked once recorded, not left pending', async () => {
    const [deciding, other] = [replica(), replica()];
    const { parent, child } = await hierarchy(other);
    racing(deciding, other, parent, child);

    await ok(
      run(deciding, child, 'carl', {
        type: 'InviteMember',
        invitationId: 'inv-carl',
        email: 'alt-carl@example.com',
        role: 'admin',
        send: true,
      }),
    );

    const invitation = (await state(child)).invitations.get('inv-carl');
    expect(invitation?.status).toBe('revoked');
    expect((await state(parent)).members.has('carl')).toBe(false);
  });

  it('R5, R19: a retry of an invitation whose recheck failed (answered as a duplicate) rechecks it', async () => {
    const [deciding, other] = [replica(), replica()];
    const { parent, child } = await hierarchy(other);
    racing(deciding, other, parent, child);
    const execute = deciding.execute.bind(deciding);
    let failed = false;
    deciding.execute = async (request) => {
      if (request.command.type === 'RecheckInvitations' && !failed) {
        failed = true;
        throw new Error('the event store went away');
      }
      return execute(request);
    };
    const invite = trusted({
      commandId: randomUUID(),
      orgId: child,
      actorId: 'carl',
      command: {
        type: 'InviteMember',
        invitationId: 'inv-retried',
        email: 'retried@example.com',
        role: 'admin',
        send: true,
      } as never,
    });

    await expect(deciding.execute(invite)).rejects.toThrow('the event store went away');
    expect((await state(child)).invitations.get('inv-retried')?.status).toBe('pending');
    expect(await deciding.execute(invite)).toMatchObject({ ok: true, duplicate: true });
    expect((await state(child)).invitations.get('inv-retried')?.status).toBe('revoked');
  });

  it('R5, R19: so is one recorded by an import', async () => {
    const [deciding, other] = [replica(), replica()];
    const { parent, child } = await hierarchy(other);
    racing(deciding, other, parent, child);

    await ok(
      run(deciding, child, 'carl', {
        type: 'ImportInvitations',
        rows: [{ email: 'imported-admin@example.com', role: 'admin' }],
        send: false,
      }),
    );

    const statuses = [...(await state(child)).invitations.values()].map((i) => [i.email, i.status]);
    expect(statuses).toEqual([['imported-admin@example.com', 'revoked']]);
  });

  it('R5, R19: a partner who keeps their place keeps their invitation (the recheck revokes nothing)', async () => {
    const [deciding, other] = [replica(), replica()];
    const { child } = await hierarchy(other);

    await ok(
      run(deciding, child, 'carl', {
        type: 'InviteMember',
        invitationId: 'inv-kept',
        email: 'kept@example.com',
        role: 'admin',
        send: true,
      }),
    );

    expect((await state(child)).invitations.get('inv-kept')?.status).toBe('pending');
  });
});
