import { randomUUID } from 'node:crypto';
import { StreamNotFoundError } from '@eventstore/db-client';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import { subscribeToEvents, type Subscription } from '@app/messaging';
import { waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { type MembershipHarness, startMembership } from './membership-harness.testing';
import { trusted } from './membership-request';
import { OrganizationCommandHandler } from './organization-command-handler';
import { linkChild } from './workflows/link-child.workflow';

describe('parent/child organizations and required 2FA over the bus', () => {
  const eventStore = useTestEventStore();
  let membership: MembershipHarness;
  let probe: Subscription;
  const envelopes: EventEnvelope[] = [];

  beforeAll(async () => {
    membership = await startMembership({
      client: eventStore.client,
      connectionString: eventStore.store.connectionString,
    });
    probe = await subscribeToEvents(membership.bus, {
      groupId: `probe-${randomUUID()}`,
      topics: [TOPICS.membershipOrganizations],
      handler: async (event) => void envelopes.push(event),
    });
  });
  afterAll(async () => {
    await probe.close();
    await membership.close();
  });

  async function lastEventOf(orgId: string) {
    const events = [];
    for await (const e of eventStore.client.readStream(`organization-${orgId}`)) events.push(e.event!);
    return events.at(-1)!;
  }

  /** Members of a partner organization made its agents: they act as Admins in its customers (R19). */
  async function agentsOf(partner: string, ownerId: string, userIds: string[]): Promise<void> {
    for (const userId of userIds)
      await membership.expectOk(
        membership.send(partner, ownerId, {
          type: 'GrantPermissions',
          userId,
          permissions: ['members.read', 'customers.manage'],
        }),
      );
  }

  it('R19: an Admin of an organization cannot put it under an organization of their own; both stay unlinked', async () => {
    const victim = await membership.organization('vera', ['adam']);
    await membership.expectOk(
      membership.send(victim, 'vera', { type: 'ChangeMemberRole', userId: 'adam', role: 'admin' }),
    );
    const adams = await membership.organization('adam');
    const before = (await lastEventOf(victim)).revision;
    expect(
      await membership.send(adams, 'adam', { type: 'LinkChildOrganization', childOrgId: victim }),
    ).toMatchObject({ ok: false, error: { code: 'owner-only' } });
    expect((await lastEventOf(victim)).revision).toBe(before);
    expect((await membership.state(victim)).parentOrgId).toBeUndefined();
    expect((await membership.state(adams)).childOrgIds.size).toBe(0);
  });

  it('R19: linking records both sides; parent members with customers.manage act as Admin in the child only', async () => {
    const partner = await membership.organization('paula', ['carl', 'ulla']);
    await agentsOf(partner, 'paula', ['carl']);
    const customer = await membership.organization('paula', ['dora']);
    const linked = await membership.send(partner, 'paula', {
      type: 'LinkChildOrganization',
      childOrgId: customer,
    });
    // Both streams changed: the answer names where it left each, so a reader can wait for both.
    expect(linked).toEqual({
      ok: true,
      revision: String((await lastEventOf(partner)).revision),
      events: 1,
      duplicate: false,
      alsoChanged: { [customer]: String((await lastEventOf(customer)).revision) },
    });
    expect((await membership.state(customer)).parentOrgId).toBe(partner);
    expect([...(await membership.state(partner)).childOrgIds]).toEqual([customer]);

    // carl is no member of the customer, yet acts there as an Admin through the partner.
    expect(
      await membership.send(customer, 'carl', { type: 'ChangeMemberRole', userId: 'dora', role: 'admin' }),
    ).toMatchObject({
      ok: true,
    });
    expect((await membership.state(customer)).members.get('dora')?.role).toBe('admin');
    // R19/R21: the history says the change was made through the partner, for auditors and subscribers alike.
    const changed = await lastEventOf(customer);
    expect(changed).toMatchObject({
      type: 'MemberRoleChanged',
      metadata: { actor: 'carl', actingVia: partner },
    });
    const published = await waitFor(() =>
      envelopes.find((e) => e.subject === customer && e.type === 'membership.MemberRoleChanged.v1'),
    );
    expect(published).toMatchObject({ actor: 'carl', actingvia: partner });
    // A member acting in their own right is recorded without it.
    await membership.expectOk(
      membership.send(customer, 'paula', { type: 'ChangeMemberRole', userId: 'dora', role: 'user' }),
    );
    expect((await lastEventOf(customer)).metadata).not.toHaveProperty('actingVia');
    expect(await membership.send(customer, 'carl', { type: 'DeleteOrganization' })).toMatchObject({
      ok: false,
      error: { code: 'not-a-member' },
    });
    // ulla has no customers.manage; in the partner itself the permission gives carl nothing extra.
    expect(
      await membership.send(customer, 'ulla', { type: 'CreateTeam', teamId: 't', name: 'T' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'not-a-member' },
    });
    expect(
      await membership.send(partner, 'carl', { type: 'CreateTeam', teamId: 't', name: 'T' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'insufficient-permission' },
    });
  });

  it('R5, R19: an Admin invitation lives no longer than its giver’s right to give it, in an organization with a parent', async () => {
    const partner = await membership.organization('paula', ['carl']);
    await agentsOf(partner, 'paula', ['carl']);
    const customer = await membership.organization('paula', ['adam']);
    await membership.expectOk(
      membership.send(customer, 'paula', { type: 'ChangeMemberRole', userId: 'adam', role: 'admin' }),
    );
    await membership.expectOk(
      membership.send(partner, 'paula', { type: 'LinkChildOrganization', childOrgId: customer }),
    );
    const inviteAdmin = (actorId: string, invitationId: string, email: string) =>
      membership.expectOk(
        membership.send(customer, actorId, {
          type: 'InviteMember',
          invitationId,
          email,
          role: 'admin',
          send: true,
        }),
      );
    const accept = (invitationId: string, userId: string, email: string) =>
      membership.send(
        customer,
        userId,
        { type: 'AcceptInvitation', invitationId, sendSequence: 1, userId, email },
        {},
        'identity',
      );
    // carl acts as Admin through the partner; adam is an Admin of the customer itself.
    await inviteAdmin('carl', 'inv-carl', 'alt-carl@example.com');
    await inviteAdmin('carl', 'inv-carl-2', 'alt-carl-2@example.com');
    await inviteAdmin('adam', 'inv-adam', 'alt-adam@example.com');
    // While carl holds customers.manage in the partner, his invitation is good.
    expect(await accept('inv-carl-2', 'newcomer', 'alt-carl-2@example.com')).toMatchObject({ ok: true });

    await membership.expectOk(membership.send(partner, 'paula', { type: 'RemoveMember', userId: 'carl' }));
    await membership.expectOk(membership.send(customer, 'paula', { type: 'RemoveMember', userId: 'adam' }));
    // The partner's removal reaches the customer too: carl's invitation is revoked there by the parent's reaction.
    await waitFor(
      async () => (await membership.state(customer)).invitations.get('inv-carl')?.status === 'revoked',
    );
    const before = (await lastEventOf(customer)).revision;
    expect(await accept('inv-carl', 'alt-carl', 'alt-carl@example.com')).toMatchObject({
      ok: false,
      error: { code: 'invitation-revoked' },
    });
    expect(await accept('inv-adam', 'alt-adam', 'alt-adam@example.com')).toMatchObject({
      ok: false,
      error: { code: 'invitation-revoked' },
    });
    expect((await lastEventOf(customer)).revision).toBe(before);
    const state = await membership.state(customer);
    expect(state.members.has('alt-carl')).toBe(false);
    expect(state.members.has('alt-adam')).toBe(false);
    expect(state.members.get('newcomer')?.role).toBe('admin');
  });

  it('R5, R19: under a parent, a demotion revokes the giver’s invitations with it unless they still give them through the parent', async () => {
    const partner = await membership.organization('paula', ['dora']);
    await agentsOf(partner, 'paula', ['dora']);
    const customer = await membership.organization('paula', ['adam', 'dora']);
    for (const userId of ['adam', 'dora'])
      await membership.expectOk(
        membership.send(customer, 'paula', { type: 'ChangeMemberRole', userId, role: 'admin' }),
      );
    await membership.expectOk(
      membership.send(partner, 'paula', { type: 'LinkChildOrganization', childOrgId: customer }),
    );
    for (const giver of ['adam', 'dora'])
      await membership.expectOk(
        membership.send(customer, giver, {
          type: 'InviteMember',
          invitationId: `inv-${giver}`,
          email: `alt-${giver}@example.com`,
          role: 'admin',
          send: true,
        }),
      );
    const demote = (userId: string) =>
      membership.send(customer, 'paula', { type: 'ChangeMemberRole', userId, role: 'user' });

    // adam gave it as an Admin here only: the demotion revokes it in the same command.
    expect(await demote('adam')).toMatchObject({ ok: true, events: 2 });
    expect((await lastEventOf(customer)).type).toBe('InvitationRevoked');
    // dora holds customers.manage in the parent: she still gives an Admin's terms here (R19).
    expect(await demote('dora')).toMatchObject({ ok: true, events: 1 });
    const state = await membership.state(customer);
    expect(state.invitations.get('inv-adam')?.status).toBe('revoked');
    expect(state.invitations.get('inv-dora')?.status).toBe('pending');
    expect(
      await membership.send(
        customer,
        'newcomer',
        {
          type: 'AcceptInvitation',
          invitationId: 'inv-dora',
          sendSequence: 1,
          userId: 'newcomer',
          email: 'alt-dora@example.com',
        },
        {},
        'identity',
      ),
    ).toMatchObject({ ok: true });
    expect((await membership.state(customer)).members.get('newcomer')?.role).toBe('admin');
  });

  it('R5, R19: a partner removed from the parent takes the Admin invitations they set in its children with them', async () => {
    const partner = await membership.organization('paula', ['carl', 'dora']);
    await agentsOf(partner, 'paula', ['carl', 'dora']);
    const customer = await membership.organization('paula');
    await membership.expectOk(
      membership.send(partner, 'paula', { type: 'LinkChildOrganization', childOrgId: customer }),
    );
    for (const agent of ['carl', 'dora'])
      await membership.expectOk(
        membership.send(customer, agent, {
          type: 'InviteMember',
          invitationId: `inv-${agent}`,
          email: `alt-${agent}@example.com`,
          role: 'admin',
          send: true,
        }),
      );

    await membership.expectOk(membership.send(partner, 'paula', { type: 'RemoveMember', userId: 'carl' }));

    // The parent's reaction revokes carl's in the child, by the system, and leaves dora's (she is still a partner).
    const revoked = await waitFor(async () => {
      const state = await membership.state(customer);
      return state.invitations.get('inv-carl')?.status === 'revoked' ? state : undefined;
    });
    expect(revoked.invitations.get('inv-dora')?.status).toBe('pending');
    const last = await lastEventOf(customer);
    expect(last.type).toBe('InvitationRevoked');
    expect(last.data).toMatchObject({
      actorId: 'system',
      invitationId: 'inv-carl',
    });
  });

  it('R16, R19: an Admin through the parent claims no domain for the child, and the claim stream is not touched', async () => {
    const partner = await membership.organization('pia', ['cleo']);
    await membership.expectOk(
      membership.send(partner, 'pia', {
        type: 'GrantPermissions',
        userId: 'cleo',
        permissions: ['members.read', 'customers.manage'],
      }),
    );
    const customer = await membership.organization('pia', []);
    await membership.expectOk(
      membership.send(partner, 'pia', { type: 'LinkChildOrganization', childOrgId: customer }),
    );
    const domain = `${randomUUID().slice(0, 8)}.example.com`;
    await membership.addressOf('cleo', `cleo@${domain}`);
    // R19: auto-join at a domain the partner's own address proved would make partners members of the customer.
    expect(await membership.send(customer, 'cleo', { type: 'ClaimDomain', domain })).toMatchObject({
      ok: false,
      error: { code: 'domain-not-proven', details: { field: 'domain', domain } },
    });
    expect([...(await membership.state(customer)).domains]).toEqual([]);
    const claimOf = async (name: string) => {
      for await (const resolved of eventStore.client.readStream(`domain-${name}`)) return resolved;
      return undefined;
    };
    await expect(claimOf(domain)).rejects.toBeInstanceOf(StreamNotFoundError);
    // Someone with no standing there claims nothing, and the domain's claim stream stays as it was.
    const other = `${randomUUID().slice(0, 8)}.example.com`;
    expect(await membership.send(customer, 'stranger', { type: 'ClaimDomain', domain: other })).toMatchObject(
      {
        ok: false,
        error: { code: 'not-a-member' },
      },
    );
    await expect(claimOf(other)).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('R19: a child has one parent, cycles are refused, and the linker must be the parent’s Owner/Admin and the child’s Owner', async () => {
    const a = await membership.organization('olga');
    const b = await membership.organization('olga');
    const c = await membership.organization('olga');
    const foreign = await membership.organization('someone-else');
    await membership.expectOk(membership.send(a, 'olga', { type: 'LinkChildOrganization', childOrgId: b }));
    await membership.expectOk(membership.send(b, 'olga', { type: 'LinkChildOrganization', childOrgId: c }));
    expect(await membership.send(c, 'olga', { type: 'LinkChildOrganization', childOrgId: a })).toMatchObject({
      ok: false,
      error: { code: 'organization-link-cycle' },
    });
    const d = await membership.organization('olga');
    expect(await membership.send(d, 'olga', { type: 'LinkChildOrganization', childOrgId: b })).toMatchObject({
      ok: false,
      error: { code: 'organization-already-linked' },
    });
    expect((await membership.state(d)).childOrgIds.size).toBe(0);
    expect(
      await membership.send(a, 'olga', { type: 'LinkChildOrganization', childOrgId: foreign }),
    ).toMatchObject({
      ok: false,
      error: { code: 'organization-not-found', details: { field: 'childOrgId' } },
    });
    expect((await membership.state(foreign)).parentOrgId).toBeUndefined();
    expect(await membership.send(a, 'olga', { type: 'AttachToParent', parentOrgId: c })).toMatchObject({
      ok: false,
      error: { code: 'validation-failed', details: { field: 'command.type' } },
    });
    const unlinked = await membership.send(a, 'olga', { type: 'UnlinkChildOrganization', childOrgId: b });
    expect(unlinked).toMatchObject({
      ok: true,
      revision: String((await lastEventOf(a)).revision),
      alsoChanged: { [b]: String((await lastEventOf(b)).revision) },
    });
    expect((await lastEventOf(b)).type).toBe('ParentOrganizationUnlinked');
    expect((await membership.state(b)).parentOrgId).toBeUndefined();
  });

  it('R19: links made at once the other way round never make a cycle; what stays linked is linked on both sides', async () => {
    for (let round = 0; round < 15; round++) {
      const [a, b, c] = [
        await membership.organization('olga'),
        await membership.organization('olga'),
        await membership.organization('olga'),
      ];
      const link = (parent: string, child: string) =>
        membership.send(parent, 'olga', { type: 'LinkChildOrganization', childOrgId: child });
      const replies = await Promise.all(
        round % 3 === 2 ? [link(a, b), link(b, c), link(c, a)] : [link(a, b), link(b, a)],
      );
      for (const reply of replies) if (!reply.ok) expect(reply.error.code).toBe('organization-link-cycle');
      const orgs = round % 3 === 2 ? [a, b, c] : [a, b];
      const parents = new Map<string, string | undefined>();
      for (const orgId of orgs) parents.set(orgId, (await membership.state(orgId)).parentOrgId);
      for (const orgId of orgs) {
        // Walking up from any of them ends at an organization without a parent.
        const seen = new Set<string>();
        for (let at: string | undefined = orgId; at; at = parents.get(at)) {
          expect(seen.has(at)).toBe(false);
          seen.add(at);
        }
        const parent = parents.get(orgId);
        if (parent) expect((await membership.state(parent)).childOrgIds.has(orgId)).toBe(true);
      }
      expect(replies.filter((r) => r.ok).length).toBe([...parents.values()].filter(Boolean).length);
    }
  });

  /** `linkChild` on the service's own streams, with work landing right after its child's side or before its parent's. */
  function linkWith(
    hooks: { afterChildSide?: () => Promise<void>; beforeParentSide?: () => Promise<void> } = {},
  ) {
    const streams = membership.app.get(OrganizationCommandHandler).streams;
    const once = { child: hooks.afterChildSide, parent: hooks.beforeParentSide };
    const hooked = Object.assign(
      Object.create(Object.getPrototypeOf(streams) as object) as typeof streams,
      streams,
      {
        run: async (...args: Parameters<typeof streams.run>) => {
          const type = args[1].command.type;
          if (type === 'LinkChildOrganization' && once.parent) await once.parent();
          if (type === 'LinkChildOrganization') once.parent = undefined;
          const result = await streams.run(...args);
          if (type === 'AttachToParent' && once.child) {
            const after = once.child;
            once.child = undefined;
            await after();
          }
          return result;
        },
      },
    );
    return (parent: string, child: string, actorId: string, commandId = randomUUID()) =>
      linkChild(
        hooked,
        trusted({
          commandId,
          orgId: parent,
          actorId,
          command: { type: 'LinkChildOrganization', childOrgId: child },
        }),
        { type: 'LinkChildOrganization', childOrgId: child, actorId, at: new Date().toISOString() },
      );
  }

  /** The child's side of a link as another link's workflow records it. */
  const childSide = (child: string, parent: string) => {
    const streams = membership.app.get(OrganizationCommandHandler).streams;
    const command = {
      type: 'AttachToParent',
      parentOrgId: parent,
      actorId: 'olga',
      at: new Date().toISOString(),
    } as const;
    return streams.run(
      child,
      trusted({ commandId: randomUUID(), orgId: child, actorId: 'olga', command }),
      command,
    );
  };

  it('R19: a link refused on the parent’s side after the child recorded it (the actor demoted meanwhile) is undone there', async () => {
    const parent = await membership.organization('owen', ['adele']);
    await membership.expectOk(
      membership.send(parent, 'owen', { type: 'ChangeMemberRole', userId: 'adele', role: 'admin' }),
    );
    const child = await membership.organization('adele');
    const link = linkWith({
      beforeParentSide: () =>
        membership.expectOk(
          membership.send(parent, 'owen', { type: 'ChangeMemberRole', userId: 'adele', role: 'user' }),
        ),
    });
    await expect(link(parent, child, 'adele')).rejects.toMatchObject({ code: 'insufficient-role' });
    expect((await membership.state(child)).parentOrgId).toBeUndefined();
    expect((await membership.state(parent)).childOrgIds.has(child)).toBe(false);
  });

  it('R19: a link taken back as a cycle, tried again with the same command id once the cycle is gone, links both sides', async () => {
    const a = await membership.organization('olga');
    const b = await membership.organization('olga');
    const commandId = randomUUID();
    // Another link's child side (b under a) lands right after this link's (a under b): a cycle, taken back.
    const crossed = linkWith({ afterChildSide: async () => void (await childSide(b, a)) });
    await expect(crossed(b, a, 'olga', commandId)).rejects.toMatchObject({ code: 'organization-link-cycle' });
    expect((await membership.state(a)).parentOrgId).toBeUndefined();
    // That other link is taken back in its turn; the same request again now links.
    const streams = membership.app.get(OrganizationCommandHandler).streams;
    const at = new Date().toISOString();
    const detach = { type: 'DetachFromParent', parentOrgId: a, actorId: 'system', at } as const;
    await streams.run(
      b,
      trusted({ commandId: randomUUID(), orgId: b, actorId: 'system', command: detach }),
      detach,
    );
    await linkWith()(b, a, 'olga', commandId);
    expect((await membership.state(a)).parentOrgId).toBe(b);
    expect((await membership.state(b)).childOrgIds.has(a)).toBe(true);
  });

  it('R10, R19: deleting an organization ends its links: its children forget it, its parent stops listing it', async () => {
    const grand = await membership.organization('olga');
    const parent = await membership.organization('olga');
    const child = await membership.organization('olga');
    await membership.expectOk(
      membership.send(grand, 'olga', { type: 'LinkChildOrganization', childOrgId: parent }),
    );
    await membership.expectOk(
      membership.send(parent, 'olga', { type: 'LinkChildOrganization', childOrgId: child }),
    );

    await membership.expectOk(membership.send(parent, 'olga', { type: 'DeleteOrganization' }));
    expect(await lastEventOf(child)).toMatchObject({
      type: 'ParentOrganizationUnlinked',
      data: expect.objectContaining({ parentOrgId: parent, actorId: 'system' }),
    });
    expect((await membership.state(child)).parentOrgId).toBeUndefined();
    expect(await lastEventOf(grand)).toMatchObject({
      type: 'ChildOrganizationUnlinked',
      data: expect.objectContaining({ childOrgId: parent, actorId: 'system' }),
    });
    expect((await membership.state(grand)).childOrgIds.has(parent)).toBe(false);
    // The child is free to be linked again, under another parent.
    await membership.expectOk(
      membership.send(grand, 'olga', { type: 'LinkChildOrganization', childOrgId: child }),
    );
    expect((await membership.state(child)).parentOrgId).toBe(grand);
    // Only the system unlinks that way: a member who is no Owner or Admin of the parent still cannot.
    expect(
      await membership.send(grand, 'someone-else', { type: 'UnlinkChildOrganization', childOrgId: child }),
    ).toMatchObject({ ok: false });
    expect((await membership.state(grand)).childOrgIds.has(child)).toBe(true);
  });

  it('R10, R19: a deletion retried after it stopped before ending its links (answered as a duplicate) ends them', async () => {
    const parent = await membership.organization('olga');
    const child = await membership.organization('olga');
    await membership.expectOk(
      membership.send(parent, 'olga', { type: 'LinkChildOrganization', childOrgId: child }),
    );
    // The first attempt recorded the deletion and stopped there (a crash, a lost connection).
    const handler = membership.app.get(OrganizationCommandHandler);
    const request = trusted({
      commandId: randomUUID(),
      orgId: parent,
      actorId: 'olga',
      command: { type: 'DeleteOrganization' },
    });
    await handler.streams.run(parent, request, {
      type: 'DeleteOrganization',
      actorId: 'olga',
      at: new Date().toISOString(),
    });
    expect((await membership.state(child)).parentOrgId).toBe(parent);

    expect(await handler.execute(request)).toMatchObject({ ok: true, duplicate: true });
    expect((await membership.state(child)).parentOrgId).toBeUndefined();
  });

  it('R10, R19: a child deleted while it is being linked is not left listed by the parent', async () => {
    const parent = await membership.organization('olga');
    const child = await membership.organization('olga');
    const link = linkWith({
      afterChildSide: () =>
        membership.expectOk(membership.send(child, 'olga', { type: 'DeleteOrganization' })),
    });
    await link(parent, child, 'olga');
    expect((await membership.state(parent)).childOrgIds.has(child)).toBe(false);
  });

  it('R10, R19: a child still naming a deleted parent (its deletion made before links ended with it) can be linked anew', async () => {
    const parent = await membership.organization('olga');
    const child = await membership.organization('olga');
    const other = await membership.organization('olga');
    await membership.expectOk(
      membership.send(parent, 'olga', { type: 'LinkChildOrganization', childOrgId: child }),
    );
    // The deletion as it was recorded before: straight into the parent's stream, its links left as they were.
    const streams = membership.app.get(OrganizationCommandHandler).streams;
    const deletion = { type: 'DeleteOrganization', actorId: 'olga', at: new Date().toISOString() } as const;
    await streams.run(
      parent,
      trusted({
        commandId: randomUUID(),
        orgId: parent,
        actorId: 'olga',
        command: { type: 'DeleteOrganization' },
      }),
      deletion,
    );
    expect((await membership.state(child)).parentOrgId).toBe(parent);

    await membership.expectOk(
      membership.send(other, 'olga', { type: 'LinkChildOrganization', childOrgId: child }),
    );
    expect((await membership.state(child)).parentOrgId).toBe(other);
    expect((await membership.state(other)).childOrgIds.has(child)).toBe(true);
  });

  it('R13, R19: linking or unlinking says nothing of an organization one is not a member of, whatever its state', async () => {
    const mine = await membership.organization('nina');
    const active = await membership.organization('stranger');
    const requiring = await membership.organization('stranger');
    await membership.expectOk(
      membership.send(
        requiring,
        'stranger',
        { type: 'UpdateSettings', requireTwoFactor: true },
        { actorTwoFactor: true },
      ),
    );
    const deleted = await membership.organization('stranger');
    await membership.expectOk(membership.send(deleted, 'stranger', { type: 'DeleteOrganization' }));
    const unknown = randomUUID();
    for (const other of [active, requiring, deleted, unknown]) {
      expect(
        await membership.send(mine, 'nina', { type: 'LinkChildOrganization', childOrgId: other }),
      ).toMatchObject({
        ok: false,
        error: { code: 'organization-not-found', details: { field: 'childOrgId' } },
      });
      const unlinked = await membership.send(mine, 'nina', {
        type: 'UnlinkChildOrganization',
        childOrgId: other,
      });
      expect(unlinked).toMatchObject({ ok: true });
      expect(unlinked).not.toHaveProperty('alsoChanged');
    }
    expect((await membership.state(active)).parentOrgId).toBeUndefined();
    expect((await membership.state(mine)).childOrgIds.size).toBe(0);
  });

  it('R22: once required, members act only with a second factor; the setting itself needs one to change', async () => {
    const orgId = await membership.organization('tess', ['uma']);
    // Turning it on needs a second factor too: without one, its owner would be locked out of the organization.
    expect(
      await membership.send(orgId, 'tess', { type: 'UpdateSettings', requireTwoFactor: true }),
    ).toMatchObject({ ok: false, error: { code: 'two-factor-required' } });
    await membership.expectOk(
      membership.send(
        orgId,
        'tess',
        { type: 'UpdateSettings', requireTwoFactor: true },
        { actorTwoFactor: true },
      ),
    );
    expect(
      await membership.send(orgId, 'tess', { type: 'SetSchedulable', userId: 'uma', schedulable: true }),
    ).toMatchObject({
      ok: false,
      error: { code: 'two-factor-required', kind: 'forbidden' },
    });
    expect(
      await membership.send(orgId, 'tess', { type: 'UpdateSettings', requireTwoFactor: false }),
    ).toMatchObject({
      ok: false,
      error: { code: 'two-factor-required' },
    });
    expect(
      await membership.send(
        orgId,
        'tess',
        { type: 'SetSchedulable', userId: 'uma', schedulable: true },
        { actorTwoFactor: true },
      ),
    ).toMatchObject({ ok: true });
    expect(await membership.send(orgId, 'uma', { type: 'LeaveOrganization' })).toMatchObject({ ok: true });
  });

  it('R19, R22: acting through a parent that requires a second factor needs one; a child member without it acts as themself', async () => {
    const partner = await membership.organization('pia', ['cleo', 'cody']);
    await agentsOf(partner, 'pia', ['cleo', 'cody']);
    const customer = await membership.organization('pia', ['dina', 'cody']);
    await membership.expectOk(
      membership.send(partner, 'pia', { type: 'LinkChildOrganization', childOrgId: customer }),
    );
    await membership.expectOk(
      membership.send(
        partner,
        'pia',
        { type: 'UpdateSettings', requireTwoFactor: true },
        { actorTwoFactor: true },
      ),
    );
    const makeAdmin = { type: 'ChangeMemberRole', userId: 'dina', role: 'admin' } as const;
    const before = (await lastEventOf(customer)).revision;
    // cleo is no member of the customer: without a second factor she has no standing there at all.
    expect(await membership.send(customer, 'cleo', makeAdmin)).toMatchObject({
      ok: false,
      error: { code: 'two-factor-required', kind: 'forbidden' },
    });
    // cody is a User of the customer too: without a second factor he is only that.
    expect(await membership.send(customer, 'cody', makeAdmin)).toMatchObject({
      ok: false,
      error: { code: 'insufficient-permission' },
    });
    expect((await lastEventOf(customer)).revision).toBe(before);
    expect(await membership.send(customer, 'cleo', makeAdmin, { actorTwoFactor: true })).toMatchObject({
      ok: true,
    });
    expect((await membership.state(customer)).members.get('dina')?.role).toBe('admin');
  });

  it('R17: an Owner’s reset request for a member is published for identity', async () => {
    const orgId = await membership.organization('rita', ['sam']);
    expect(
      await membership.send(orgId, 'rita', { type: 'RequestPasswordReset', userId: 'sam' }),
    ).toMatchObject({ ok: true });
    expect(
      await membership.send(orgId, 'sam', { type: 'RequestPasswordReset', userId: 'rita' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'insufficient-role' },
    });
  });
});
