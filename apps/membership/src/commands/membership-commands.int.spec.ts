import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { TOPICS, domainClaimStream, domainReleaseCommandId, type EventEnvelope } from '@app/contracts';
import { MESSAGE_BUS, subscribeToEvents, type MessageBus, type RequestSender } from '@app/messaging';
import { waitFor } from '@app/testing';
import { DomainError } from '@app/domain';
import { AggregateStore, readStreamEvents } from '@app/event-store';
import { DomainClaims } from './workflows/domain-claim.workflow';
import { trusted } from './membership-request';
import { useTestEventStore } from '@app/testing/test-event-store';
import { type ActiveOrganization } from '../organizations/organization.state';
import { type CommandReply, type ImportReply } from './command-reply';
import { startMembership, type MembershipHarness } from './membership-harness.testing';
import { OrganizationCommandHandler, organizationStream } from './organization-command-handler';
import { identityEventMessage } from '../reactions/identity-event.testing';

describe('membership commands over the bus, on the event store', () => {
  const eventStore = useTestEventStore();
  let membership: MembershipHarness;
  let app: INestApplication;

  beforeAll(async () => {
    membership = await startMembership({
      client: eventStore.client,
      connectionString: eventStore.store.connectionString,
    });
    app = membership.app;
  });
  afterAll(() => membership.close());

  const send = (
    orgId: string,
    actorId: string,
    command: Record<string, unknown>,
    commandId = randomUUID(),
    sender: RequestSender = 'gateway',
  ) => membership.raw<CommandReply>(orgId, membership.signed({ commandId, orgId, actorId, command }, sender));

  async function newOrganization(members: string[] = []) {
    return membership.organization('owner', members);
  }

  /** As the service loads it (its store opens the invitees' sealed addresses). */
  const stateOf = (orgId: string): Promise<ActiveOrganization> => membership.state(orgId);

  it('answers with the new revision, and with a typed refusal that appends nothing (R3)', async () => {
    const orgId = await newOrganization(['ada']);
    expect(await send(orgId, 'owner', { type: 'ChangeMemberRole', userId: 'ada', role: 'admin' })).toEqual({
      ok: true,
      revision: '2',
      events: 1,
      duplicate: false,
    });
    const refused = await send(orgId, 'ada', { type: 'ChangeMemberRole', userId: 'ada', role: 'user' });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'cannot-change-own-role', kind: 'rule-violation' },
    });
    expect((await stateOf(orgId)).members.get('ada')?.role).toBe('admin');
  });

  it('R21: publishes each event to membership.organization.v1 as a valid CloudEvent with actor, time and correlation id', async () => {
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    const seen: EventEnvelope[] = [];
    const sub = await subscribeToEvents(bus, {
      groupId: `probe-${randomUUID()}`,
      topics: [TOPICS.membershipOrganizations],
      handler: async (event) => void seen.push(event),
    });
    const orgId = await newOrganization(['ada']);
    const correlationId = randomUUID();
    await membership.raw(
      orgId,
      membership.signed({
        commandId: randomUUID(),
        orgId,
        actorId: 'owner',
        correlationId,
        command: { type: 'ChangeMemberRole', userId: 'ada', role: 'admin' },
      }),
    );
    const changed = await waitFor(() =>
      seen.find((e) => e.subject === orgId && e.type === 'membership.MemberRoleChanged.v1'),
    );
    await sub.close();
    expect(changed).toMatchObject({
      source: '/identity-platform/membership',
      actor: 'owner',
      tenant: orgId,
      correlationid: correlationId,
      revision: '2',
      data: { orgId, userId: 'ada', from: 'user', to: 'admin', actorId: 'owner' },
    });
    expect(Date.parse(changed.time)).not.toBeNaN();
    expect(seen.filter((e) => e.subject === orgId).map((e) => e.type)).toEqual([
      'membership.OrganizationCreated.v1',
      'membership.MemberJoined.v1',
      'membership.MemberRoleChanged.v1',
    ]);
  });

  it('a retried command id is applied once', async () => {
    const orgId = await newOrganization(['ada']);
    const commandId = randomUUID();
    const first = await send(
      orgId,
      'owner',
      { type: 'SetSchedulable', userId: 'ada', schedulable: true },
      commandId,
    );
    const again = await send(
      orgId,
      'owner',
      { type: 'SetSchedulable', userId: 'ada', schedulable: true },
      commandId,
    );
    expect(first).toMatchObject({ ok: true, events: 2, duplicate: false });
    expect(again).toMatchObject({
      ok: true,
      events: 0,
      duplicate: true,
      revision: (first as { revision: string }).revision,
    });
  });

  it('a malformed command is a validation error naming the field', async () => {
    const orgId = await newOrganization();
    expect(
      await send(orgId, 'owner', { type: 'SetSchedulable', userId: 'ada', schedulable: 'yes' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation-failed', details: { field: 'command.schedulable' } },
    });
    expect(
      await send(orgId, 'owner', { type: 'ChangeMemberRole', userId: 'ada', role: 'owner' }),
    ).toMatchObject({
      ok: false,
      error: { details: { field: 'command.role' } },
    });
    expect(
      await send(orgId, 'owner', { type: 'RemoveMember', userId: 'ada', emailVerified: true }),
    ).toMatchObject({
      ok: false,
      error: { details: { field: 'command.emailVerified' } },
    });
    expect(await send(orgId, 'owner', { type: 'Nope' })).toMatchObject({
      ok: false,
      error: { details: { field: 'command.type' } },
    });
    expect(await send(randomUUID(), 'owner', { type: 'RemoveMember', userId: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'organization-not-found', kind: 'not-found' },
    });
  });

  it('50 conflicting commands at once leave exactly one Owner; every command is answered and none is lost', async () => {
    const members = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const orgId = await newOrganization(members);
    const before = (await stateOf(orgId)).members.size;
    const commands = Array.from({ length: 50 }, (_, i) => {
      const target = members[i % members.length]!;
      if (i % 3 === 0) return send(orgId, 'owner', { type: 'TransferOwnership', newOwnerId: target });
      if (i % 3 === 1)
        return send(orgId, 'owner', {
          type: 'ChangeMemberRole',
          userId: target,
          role: i % 2 ? 'admin' : 'user',
        });
      return send(orgId, 'owner', { type: 'RemoveMember', userId: target });
    });
    const replies = await Promise.all(commands);
    expect(replies).toHaveLength(50);
    for (const reply of replies) {
      if (!reply.ok)
        expect([
          'owner-only',
          'insufficient-role',
          'not-a-member',
          'cannot-remove-owner',
          'owner-required',
          'concurrency-conflict',
          'cannot-change-own-role',
        ]).toContain(reply.error.code);
    }
    const state = await stateOf(orgId);
    const owners = [...state.members.values()].filter((m) => m.role === 'owner');
    expect(owners).toHaveLength(1);
    expect(owners[0]!.userId).toBe(state.ownerId);
    // Nothing lost, nothing doubled: the stream holds the setup events plus exactly what the accepted replies reported.
    let streamEvents = 0;
    for await (const _ of eventStore.client.readStream(organizationStream(orgId))) streamEvents++;
    const reported = replies.reduce((sum, r) => sum + (r.ok ? r.events : 0), 0);
    expect(reported).toBeGreaterThan(0);
    expect(streamEvents).toBe(1 + members.length + reported);
    expect(state.members.size).toBeLessThanOrEqual(before);
  });

  /** Identity's UserDeleted, made by hand: the organizations it names as theirs, and whether they confirmed. */
  const userDeleted = (
    userId: string,
    ownedOrganizationIds: string[],
    ownedOrganizationsConfirmed: boolean,
  ) =>
    identityEventMessage('identity.UserDeleted.v1', userId, {
      ownedOrganizationIds,
      ownedOrganizationsConfirmed,
    });

  it('R10: a deleted user leaves every organization and their own organization is deleted; redelivery changes nothing', async () => {
    const joinedOrg = await newOrganization(['ada']);
    const ownOrg = randomUUID();
    expect(await send(ownOrg, 'ada', { type: 'CreateOrganization', name: 'Ada Inc' })).toMatchObject({
      ok: true,
    });
    const deleted = userDeleted('ada', [ownOrg], true);
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    await bus.publish([deleted]);
    await waitFor(async () => !(await stateOf(joinedOrg)).members.has('ada'), { what: 'ada removed' });
    await waitFor(async () => (await stateOf(ownOrg)).status === 'deleted', {
      what: 'her organization deleted',
    });
    const count = async (orgId: string) => {
      let n = 0;
      for await (const _ of eventStore.client.readStream(organizationStream(orgId))) n++;
      return n;
    };
    const before = [await count(joinedOrg), await count(ownOrg)];
    await bus.publish([deleted]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // give a wrong second reaction the chance to append
    expect([await count(joinedOrg), await count(ownOrg)]).toEqual(before);
  });

  it('R1/R10: a deletion decided on a lagging index (no confirmation, no owned organizations named) leaves no organization owned by a deleted account', async () => {
    const orgId = randomUUID();
    expect(await send(orgId, 'lea', { type: 'CreateOrganization', name: 'Lea Inc' })).toMatchObject({
      ok: true,
    });
    await membership.expectOk(
      membership.system(orgId, { type: 'AdmitMember', userId: 'max', role: 'admin', via: 'invitation' }),
    );
    // What identity decides when its index has not seen the organization yet.
    const deleted = userDeleted('lea', [], false);
    await app.get<MessageBus>(MESSAGE_BUS).publish([deleted]);
    await waitFor(async () => !(await stateOf(orgId)).members.has('lea'), { what: 'lea gone' });
    const state = await stateOf(orgId);
    expect(state.status).toBe('active');
    expect(state.ownerId).toBe('max');
    expect(state.members.get('max')?.role).toBe('owner');
  });

  it('R10: a confirmed deletion deletes only the organizations it named; one that became theirs after goes to a successor', async () => {
    const named = randomUUID();
    expect(await send(named, 'ida', { type: 'CreateOrganization', name: 'Ida Inc' })).toMatchObject({
      ok: true,
    });
    // Owned by Kai when identity listed Ida's organizations; transferred to her before her deletion reached membership.
    const later = randomUUID();
    expect(await send(later, 'kai', { type: 'CreateOrganization', name: 'Kai Inc' })).toMatchObject({
      ok: true,
    });
    await membership.expectOk(
      membership.system(later, { type: 'AdmitMember', userId: 'ida', role: 'admin', via: 'invitation' }),
    );
    expect(await send(later, 'kai', { type: 'TransferOwnership', newOwnerId: 'ida' })).toMatchObject({
      ok: true,
    });
    await app.get<MessageBus>(MESSAGE_BUS).publish([userDeleted('ida', [named], true)]);
    await waitFor(async () => (await stateOf(named)).status === 'deleted', { what: 'the named one deleted' });
    await waitFor(async () => !(await stateOf(later)).members.has('ida'), {
      what: 'ida gone from the other',
    });
    const kept = await stateOf(later);
    expect(kept.status).toBe('active');
    expect(kept.ownerId).toBe('kai');
    expect(kept.members.get('kai')?.role).toBe('owner');
  });

  it('R5: an invitation sent and accepted over the bus is published as valid CloudEvents', async () => {
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    const seen: EventEnvelope[] = [];
    const sub = await subscribeToEvents(bus, {
      groupId: `probe-${randomUUID()}`,
      topics: [TOPICS.membershipOrganizations],
      handler: async (event) => void seen.push(event),
    });
    const orgId = await newOrganization();
    expect(await send(orgId, 'owner', { type: 'CreateTeam', teamId: 't1', name: 'Sales' })).toMatchObject({
      ok: true,
    });
    expect(
      await send(orgId, 'owner', {
        type: 'InviteMember',
        invitationId: 'inv-1',
        email: 'Ada@Example.com',
        role: 'admin',
        teamIds: ['t1'],
        send: true,
      }),
    ).toMatchObject({ ok: true, events: 2 });
    const acceptance = {
      type: 'AcceptInvitation',
      invitationId: 'inv-1',
      sendSequence: 1,
      userId: 'ada',
      email: 'ada@example.com',
    };
    // Only identity vouches for who accepts (it checked the address); the gateway cannot send an acceptance.
    expect(await send(orgId, 'ada', acceptance)).toMatchObject({
      ok: false,
      error: { code: 'sender-not-allowed' },
    });
    expect(await send(orgId, 'ada', acceptance, randomUUID(), 'identity')).toMatchObject({
      ok: true,
      events: 3,
    });
    await waitFor(() => seen.filter((e) => e.subject === orgId).length === 7);
    await sub.close();
    const mine = seen.filter((e) => e.subject === orgId);
    expect(mine.map((e) => e.type)).toEqual([
      'membership.OrganizationCreated.v1',
      'membership.TeamCreated.v1',
      'membership.InvitationCreated.v1',
      'membership.InvitationSent.v1',
      'membership.InvitationAccepted.v1',
      'membership.MemberJoined.v1',
      'membership.TeamMemberAdded.v1',
    ]);
    expect(mine[2]!.data).toMatchObject({ email: 'ada@example.com', role: 'admin', teamIds: ['t1'] });
    expect(Date.parse((mine[3]!.data as { expiresAt: string }).expiresAt) - Date.now()).toBeGreaterThan(
      6 * 24 * 3600_000,
    );
    expect((await stateOf(orgId)).members.get('ada')?.role).toBe('admin');
  });

  /** The Owner imports `rows` into `orgId` as a new import (a fresh command id). */
  const importAs = (orgId: string, rows: unknown[], extra: Record<string, unknown> = {}) =>
    membership.raw<ImportReply>(
      orgId,
      membership.signed({
        commandId: randomUUID(),
        orgId,
        actorId: 'owner',
        command: { type: 'ImportInvitations', rows },
        ...extra,
      }),
    );

  it('R7: a bulk import reports a result per row; bad rows do not stop good ones; re-running invites nobody twice', async () => {
    const orgId = await newOrganization();
    const rows = [
      { email: 'ada@example.com', role: 'admin' },
      { email: 'broken' },
      { phone: '+14155552671' },
      { email: 'ADA@example.com' },
      { email: 'eve@example.com', teamIds: ['no-such-team'] },
    ];
    const importOnce = (commandId: string = randomUUID()) =>
      membership.raw<ImportReply>(
        orgId,
        membership.signed({
          commandId,
          orgId,
          actorId: 'owner',
          command: { type: 'ImportInvitations', rows },
        }),
      );
    const first = await importOnce();
    // The revision the last invited row left the stream at, for readers to wait on; none when nothing changed.
    let lastRevision = '';
    for await (const e of eventStore.client.readStream(organizationStream(orgId)))
      lastRevision = String(e.event!.revision);
    expect(first.revision).toBe(lastRevision);
    expect(first.results.map((r) => `${r.row}:${r.status}:${r.error?.code ?? ''}`)).toEqual([
      '0:invited:',
      '1:refused:validation-failed',
      '2:invited:',
      '3:refused:duplicate-row',
      '4:refused:team-not-found',
    ]);
    const again = await importOnce();
    expect(again.revision).toBeNull();
    expect(again.results.map((r) => r.status)).toEqual([
      'unchanged',
      'refused',
      'unchanged',
      'refused',
      'refused',
    ]);
    const state = await stateOf(orgId);
    expect([...state.invitations.values()].map((i) => i.email ?? i.phone).sort()).toEqual([
      '+14155552671',
      'ada@example.com',
    ]);
    // A retried import (same command id) answers as the first time and appends nothing.
    const retried = randomUUID();
    const firstTry = await importOnce(retried);
    expect((await importOnce(retried)).results).toEqual(firstTry.results);
    // What is stored in the clear (ids, command ids, metadata) names rows, never the addresses: those are sealed.
    const stored: string[] = [];
    for await (const resolved of eventStore.client.readStream(organizationStream(orgId)))
      stored.push(
        JSON.stringify({
          id: resolved.event?.id,
          data: resolved.event?.data,
          metadata: resolved.event?.metadata,
        }),
      );
    expect(stored.filter((event) => /ada@example\.com|4155552671/.test(event))).toEqual([]);
  });

  it('R7: two different files imported under one key at once: one is recorded, the other refused whole', async () => {
    const orgId = await newOrganization();
    const key = randomUUID();
    const importFile = (people: string[]) =>
      membership.raw<ImportReply | CommandReply>(
        orgId,
        membership.signed({
          commandId: key,
          orgId,
          actorId: 'owner',
          command: { type: 'ImportInvitations', rows: people.map((email) => ({ email })) },
        }),
      );
    const answers = await Promise.all([
      importFile(['a1@example.com', 'a2@example.com']),
      importFile(['b1@example.com', 'b2@example.com', 'b3@example.com']),
    ]);
    const refused = answers.filter((answer) => answer.ok === false);
    expect(refused).toEqual([
      expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'command-id-reused' }) }),
    ]);
    const recorded = answers.find((answer) => answer.ok)! as ImportReply;
    expect(recorded.results.map((r) => r.status)).toEqual(
      recorded.results.length === 2 ? ['invited', 'invited'] : ['invited', 'invited', 'invited'],
    );
    const invited = [...(await stateOf(orgId)).invitations.values()].map((i) => i.email!.slice(0, 1));
    expect(new Set(invited).size).toBe(1);
    expect(invited).toHaveLength(recorded.results.length);
  });

  it('R7: an import over several batches answers every row in its order, each decided on what the rows before it left', async () => {
    const orgId = await newOrganization();
    await membership.expectOk(
      membership.send(orgId, 'owner', {
        type: 'InviteMember',
        invitationId: randomUUID(),
        email: 'p7@example.com',
        role: 'user',
        send: false,
      }),
    );
    // 250 rows: three batches of appends; a refused row in each, and one already invited on the same terms.
    const rows = Array.from({ length: 250 }, (_, i) =>
      i % 100 === 42
        ? { email: `p${i}@example.com`, teamIds: ['no-such-team'] }
        : { email: `p${i}@example.com` },
    );
    const answer = await importAs(orgId, rows, {});
    expect(answer.results.map((r) => r.row)).toEqual(rows.map((_, i) => i));
    const byStatus = (status: string) => answer.results.filter((r) => r.status === status).map((r) => r.row);
    expect([byStatus('refused'), byStatus('unchanged')]).toEqual([[42, 142, 242], [7]]);
    expect(byStatus('invited')).toHaveLength(246);
    const invited = [...(await stateOf(orgId)).invitations.values()].filter((i) => i.status === 'pending');
    expect(invited).toHaveLength(247);
    let lastRevision = '';
    for await (const e of eventStore.client.readStream(organizationStream(orgId)))
      lastRevision = String(e.event!.revision);
    expect(answer.revision).toBe(lastRevision);
  });

  it('R7, R22: where a second factor is required, an import with one invites its rows, and one without is refused row by row', async () => {
    const orgId = await newOrganization();
    await membership.expectOk(
      membership.send(
        orgId,
        'owner',
        { type: 'UpdateSettings', requireTwoFactor: true },
        { actorTwoFactor: true },
      ),
    );
    const importRows = (extra: Record<string, unknown>) =>
      importAs(orgId, [{ email: 'ada@example.com' }], extra);
    const withoutCode = await importRows({});
    expect(withoutCode.results).toEqual([
      expect.objectContaining({
        status: 'refused',
        error: expect.objectContaining({ code: 'two-factor-required' }),
      }),
    ]);
    const withCode = await importRows({ actorTwoFactor: true });
    expect(withCode.results).toEqual([expect.objectContaining({ status: 'invited' })]);
    expect([...(await stateOf(orgId)).invitations.values()].map((i) => i.email)).toEqual(['ada@example.com']);
  });

  it('R7: after an imported invitation is revoked, importing that person again invites them afresh', async () => {
    const orgId = await newOrganization();
    const importRows = (rows: unknown[]) => importAs(orgId, rows);
    const [first] = (await importRows([{ email: 'ada@example.com' }])).results;
    expect(first).toMatchObject({ status: 'invited' });
    expect(
      await send(orgId, 'owner', { type: 'RevokeInvitation', invitationId: first!.invitationId }),
    ).toMatchObject({ ok: true, events: 1 });
    const [again] = (await importRows([{ email: 'ADA@example.com' }])).results;
    expect(again).toMatchObject({ status: 'invited' });
    expect(again!.invitationId).not.toBe(first!.invitationId);
    const pending = [...(await stateOf(orgId)).invitations.values()].filter((i) => i.status === 'pending');
    expect(pending.map((i) => i.invitationId)).toEqual([again!.invitationId]);
  });

  /** The claim as the handler hands it to the decider: with the claimant's verified address at the domain. */
  const claimAsked = (domain: string) => ({
    type: 'ClaimDomain' as const,
    domain,
    actorId: 'owner',
    actorVerifiedEmail: `owner@${domain}`,
    at: new Date().toISOString(),
  });

  /** A claim of `domain` by the Owner of `orgId`, as the handler resolves it, handled at `at`. */
  const ownersClaim = (orgId: string, domain: string, at = new Date()) => {
    const asked = { ...claimAsked(domain), at: at.toISOString() };
    const request = trusted({
      commandId: randomUUID(),
      orgId,
      actorId: 'owner',
      command: { type: 'ClaimDomain', domain },
    });
    const standing = async () => ({ command: asked });
    return { asked, request, standing };
  };

  it('R16: a claim is proven by the claimant’s verified address as identity’s events say; nothing is registered without it', async () => {
    const orgId = await newOrganization();
    const domain = `p${randomUUID().slice(0, 8)}.example.com`;
    const claims = new DomainClaims(app.get(AggregateStore), app.get(OrganizationCommandHandler).streams);
    const claim = () => send(orgId, 'owner', { type: 'ClaimDomain', domain });

    await membership.addressOf('owner', `owner@${domain}`, false);
    expect(await claim()).toMatchObject({
      ok: false,
      error: { code: 'domain-not-proven', kind: 'forbidden', details: { field: 'domain', domain } },
    });
    expect(await claims.holderOf(domain)).toBeUndefined();
    // The proof is what identity's events say, never what a request says of itself.
    const forged = await app.get(OrganizationCommandHandler).execute(
      trusted({
        commandId: randomUUID(),
        orgId,
        actorId: 'owner',
        command: { type: 'ClaimDomain', domain, actorVerifiedEmail: `owner@${domain}` } as never,
      }),
    );
    expect(forged).toMatchObject({ ok: false, error: { code: 'domain-not-proven' } });
    expect(await claims.holderOf(domain)).toBeUndefined();

    await membership.addressOf('owner', `owner@${domain}`);
    expect(await claim()).toMatchObject({ ok: true, events: 1 });
    expect(await send(orgId, 'owner', { type: 'ReleaseDomain', domain })).toMatchObject({
      ok: true,
      events: 1,
    });

    // Moved to another address (verified there): the old one proves nothing any more.
    await membership.addressOf('owner', 'owner@elsewhere.example.com');
    expect(await claim()).toMatchObject({ ok: false, error: { code: 'domain-not-proven' } });
    expect(await claims.holderOf(domain)).toBeUndefined();

    // A verified address at a public mail provider is no claim on it.
    await membership.addressOf('owner', 'owner@gmail.com');
    expect(await send(orgId, 'owner', { type: 'ClaimDomain', domain: 'gmail.com' })).toMatchObject({
      ok: false,
      error: { code: 'public-mail-domain', kind: 'rule-violation' },
    });
    expect(await claims.holderOf('gmail.com')).toBeUndefined();
    expect((await stateOf(orgId)).domains.size).toBe(0);
  });

  it('R16: a claim the organization does not record (refused after the domain was registered) holds it for nobody', async () => {
    const orgId = await newOrganization();
    const domain = `u${randomUUID().slice(0, 8)}.example.com`;
    await membership.addressOf('owner', `owner@${domain}`);
    const handler = app.get(OrganizationCommandHandler);
    const claims = new DomainClaims(app.get(AggregateStore), handler.streams);
    const request = trusted({
      commandId: randomUUID(),
      orgId,
      actorId: 'owner',
      command: { type: 'ClaimDomain', domain },
    });
    const asked = claimAsked(domain);
    const standing = async () => ({ command: asked });
    const refused = claims.claim(request, asked, standing, async () => {
      expect(await claims.holderOf(domain)).toBe(orgId); // registered before the organization records it
      throw new DomainError('not-a-member', 'forbidden', 'demoted in the meantime');
    });
    await expect(refused).rejects.toMatchObject({ code: 'not-a-member' });
    expect(await claims.holderOf(domain)).toBeUndefined();
    const other = await newOrganization();
    expect(await send(other, 'owner', { type: 'ClaimDomain', domain })).toMatchObject({ ok: true });
    await send(other, 'owner', { type: 'ReleaseDomain', domain });

    // The same request tried again is registered again, and recorded.
    await claims.claim(request, asked, standing, () => handler.streams.run(orgId, request, asked));
    expect(await claims.holderOf(domain)).toBe(orgId);
    expect((await stateOf(orgId)).domains.has(domain)).toBe(true);

    // Released, then the same request once more: answered as the duplicate it is, and the domain stays free.
    expect(await send(orgId, 'owner', { type: 'ReleaseDomain', domain })).toMatchObject({ ok: true });
    await claims.claim(request, asked, standing, () => handler.streams.run(orgId, request, asked));
    expect((await stateOf(orgId)).domains.has(domain)).toBe(false);
    expect(await claims.holderOf(domain)).toBeUndefined();
  });

  it('R16: a replayed claim taken back while a fresh claim of the same organization shares its registration: the domain stays held', async () => {
    const orgId = await newOrganization();
    const domain = `s${randomUUID().slice(0, 8)}.example.com`;
    await membership.addressOf('owner', `owner@${domain}`);
    const handler = app.get(OrganizationCommandHandler);
    const claims = new DomainClaims(app.get(AggregateStore), handler.streams);
    const asked = claimAsked(domain);
    const standing = async () => ({ command: asked });
    const request = (commandId: string) =>
      trusted({ commandId, orgId, actorId: 'owner', command: { type: 'ClaimDomain', domain } });
    const replayed = request(randomUUID());
    await claims.claim(replayed, asked, standing, () => handler.streams.run(orgId, replayed, asked));
    await send(orgId, 'owner', { type: 'ReleaseDomain', domain });

    let replayDone!: () => void;
    const afterReplay = new Promise<void>((resolve) => (replayDone = resolve));
    const fresh = request(randomUUID());
    // The fresh claim registers first, then records only once the replay was answered and took its registration back.
    const freshClaim = claims.claim(fresh, asked, standing, async () => {
      await afterReplay;
      return handler.streams.run(orgId, fresh, asked);
    });
    await waitFor(async () => (await claims.holderOf(domain)) === orgId);
    await claims.claim(replayed, asked, standing, () => handler.streams.run(orgId, replayed, asked));
    replayDone();
    await freshClaim;
    expect((await stateOf(orgId)).domains.has(domain)).toBe(true);
    expect(await claims.holderOf(domain)).toBe(orgId);
    const other = await newOrganization();
    expect(await send(other, 'owner', { type: 'ClaimDomain', domain })).toMatchObject({
      ok: false,
      error: { code: 'domain-claimed' },
    });
  });

  /** A domain claimed by a new organization, its registration made at `at` (the claim's handling time). */
  async function claimedAt(at: Date) {
    const orgId = await newOrganization();
    const domain = `k${randomUUID().slice(0, 8)}.example.com`;
    await membership.addressOf('owner', `owner@${domain}`);
    const handler = app.get(OrganizationCommandHandler);
    const { asked, request, standing } = ownersClaim(orgId, domain, at);
    await new DomainClaims(app.get(AggregateStore), handler.streams, { now: () => at }).claim(
      request,
      asked,
      standing,
      () => handler.streams.run(orgId, request, standing),
    );
    return { orgId, domain };
  }

  /** The organization records the release; the process stops before the claim stream hears of it. */
  async function releaseCutShort(orgId: string, domain: string, commandId = randomUUID()) {
    const command = {
      type: 'ReleaseDomain' as const,
      domain,
      actorId: 'owner',
      at: new Date().toISOString(),
    };
    const request = trusted({
      commandId,
      orgId,
      actorId: 'owner',
      command: { type: 'ReleaseDomain', domain },
    });
    await app.get(OrganizationCommandHandler).streams.run(orgId, request, async () => ({ command }));
    expect((await stateOf(orgId)).domains.has(domain)).toBe(false);
    const claims = new DomainClaims(app.get(AggregateStore), app.get(OrganizationCommandHandler).streams);
    expect(await claims.holderOf(domain)).toBe(orgId);
    return commandId;
  }

  it('R16: a release cut short before the claim stream heard of it is repaired by the release tried again, under its key or another', async () => {
    const { orgId, domain } = await claimedAt(new Date());
    const claims = new DomainClaims(app.get(AggregateStore), app.get(OrganizationCommandHandler).streams);
    const commandId = await releaseCutShort(orgId, domain);
    expect(await send(orgId, 'owner', { type: 'ReleaseDomain', domain }, commandId)).toMatchObject({
      ok: true,
      events: 0,
      duplicate: true,
    });
    expect(await claims.holderOf(domain)).toBeUndefined();
    // Under the release's own id, as a release that was not cut short: a repeat of it is known by it (the gateway).
    const released = (await readStreamEvents(eventStore.client, domainClaimStream(domain))).filter(
      ({ event }) => event?.type === 'DomainClaimReleased',
    );
    expect(released.map(({ event }) => (event?.metadata as { commandId?: string }).commandId)).toEqual([
      domainReleaseCommandId(commandId),
    ]);

    expect(await send(orgId, 'owner', { type: 'ClaimDomain', domain })).toMatchObject({
      ok: true,
      events: 1,
    });
    await releaseCutShort(orgId, domain);
    expect(await send(orgId, 'owner', { type: 'ReleaseDomain', domain })).toMatchObject({
      ok: true,
      events: 0,
      duplicate: false,
    });
    expect(await claims.holderOf(domain)).toBeUndefined();
    const other = await newOrganization();
    expect(await send(other, 'owner', { type: 'ClaimDomain', domain })).toMatchObject({
      ok: true,
      events: 1,
    });
  });

  it('R16: a claim its active holder no longer records is taken over by another organization once stale, not before', async () => {
    const registered = new Date(Date.now() - 120_000);
    const { orgId, domain } = await claimedAt(registered);
    await releaseCutShort(orgId, domain);
    const handler = app.get(OrganizationCommandHandler);
    const other = await newOrganization();
    const { asked, request, standing } = ownersClaim(other, domain);
    const record = () => handler.streams.run(other, request, standing);
    // Half a minute after the registration, it may still be a claim in flight.
    const early = new DomainClaims(app.get(AggregateStore), handler.streams, {
      now: () => new Date(registered.getTime() + 30_000),
    });
    await expect(early.claim(request, asked, standing, record)).rejects.toMatchObject({
      code: 'domain-claimed',
    });
    expect(await early.holderOf(domain)).toBe(orgId);
    expect((await stateOf(other)).domains.has(domain)).toBe(false);

    expect(await send(other, 'owner', { type: 'ClaimDomain', domain })).toMatchObject({
      ok: true,
      events: 1,
    });
    expect(await early.holderOf(domain)).toBe(other);
    expect((await stateOf(orgId)).domains.has(domain)).toBe(false);
  });

  it('R16: a claim in flight (registered, not yet recorded) is not taken over, even when it renews an old registration of its own', async () => {
    const { orgId, domain } = await claimedAt(new Date(Date.now() - 120_000));
    await releaseCutShort(orgId, domain);
    const handler = app.get(OrganizationCommandHandler);
    const claims = new DomainClaims(app.get(AggregateStore), handler.streams);
    const { asked, request, standing } = ownersClaim(orgId, domain);
    let recordNow!: () => void;
    const recording = new Promise<void>((resolve) => (recordNow = resolve));
    let registered = false;
    const inFlight = claims.claim(request, asked, standing, async () => {
      registered = true;
      await recording;
      return handler.streams.run(orgId, request, standing);
    });
    await waitFor(() => registered);
    const other = await newOrganization();
    expect(await send(other, 'owner', { type: 'ClaimDomain', domain })).toMatchObject({
      ok: false,
      error: { code: 'domain-claimed' },
    });
    recordNow();
    await inFlight;
    expect(await claims.holderOf(domain)).toBe(orgId);
    expect((await stateOf(orgId)).domains.has(domain)).toBe(true);
    expect((await stateOf(other)).domains.has(domain)).toBe(false);
  });

  it('R16: a claim its holder records is never taken over, however old', async () => {
    const { orgId, domain } = await claimedAt(new Date(Date.now() - 120_000));
    const other = await newOrganization();
    expect(await send(other, 'owner', { type: 'ClaimDomain', domain })).toMatchObject({
      ok: false,
      error: { code: 'domain-claimed' },
    });
    const claims = new DomainClaims(app.get(AggregateStore), app.get(OrganizationCommandHandler).streams);
    expect(await claims.holderOf(domain)).toBe(orgId);
    expect((await stateOf(orgId)).domains.has(domain)).toBe(true);
    expect((await stateOf(other)).domains.has(domain)).toBe(false);
  });

  it('R16: a claim in flight whose registration another organization took over (a pause past the grace) is undone: one organization records the domain', async () => {
    const orgId = await newOrganization();
    const domain = `f${randomUUID().slice(0, 8)}.example.com`;
    await membership.addressOf('owner', `owner@${domain}`);
    const handler = app.get(OrganizationCommandHandler);
    const store = app.get(AggregateStore);
    const { asked, request, standing } = ownersClaim(orgId, domain);
    let registered = false;
    let recordNow!: () => void;
    const recording = new Promise<void>((resolve) => (recordNow = resolve));
    const inFlight = new DomainClaims(store, handler.streams).claim(request, asked, standing, async () => {
      registered = true;
      await recording;
      return handler.streams.run(orgId, request, standing);
    });
    await waitFor(() => registered);
    // Another replica, whose clock is past the grace, finds the registration stale and takes the domain.
    const other = await newOrganization();
    const {
      asked: theirs,
      request: theirRequest,
      standing: theirStanding,
    } = ownersClaim(other, domain, new Date(Date.now() + 61_000));
    await new DomainClaims(store, handler.streams, { now: () => new Date(Date.now() + 61_000) }).claim(
      theirRequest,
      theirs,
      theirStanding,
      () => handler.streams.run(other, theirRequest, theirStanding),
    );
    recordNow();
    await expect(inFlight).rejects.toMatchObject({ code: 'domain-claimed' });
    const claims = new DomainClaims(store, handler.streams);
    expect(await claims.holderOf(domain)).toBe(other);
    expect((await stateOf(other)).domains.has(domain)).toBe(true);
    expect((await stateOf(orgId)).domains.has(domain)).toBe(false);
  });

  it('R16: a claim recorded while another organization holds the domain (the undo cut short) is undone when the request comes again', async () => {
    const { orgId: holder, domain } = await claimedAt(new Date());
    const orgId = await newOrganization();
    const handler = app.get(OrganizationCommandHandler);
    const { asked, request, standing } = ownersClaim(orgId, domain);
    await handler.streams.run(orgId, request, standing); // recorded; the process stopped before the claim stream
    expect((await stateOf(orgId)).domains.has(domain)).toBe(true);
    const claims = new DomainClaims(app.get(AggregateStore), handler.streams);
    await expect(
      claims.claim(request, asked, standing, () => handler.streams.run(orgId, request, standing)),
    ).rejects.toMatchObject({ code: 'domain-claimed' });
    expect((await stateOf(orgId)).domains.has(domain)).toBe(false);
    expect(await claims.holderOf(domain)).toBe(holder);
    expect((await stateOf(holder)).domains.has(domain)).toBe(true);
  });

  it('R16: an address verified before auto-join was turned on is not auto-joined, however late its reaction comes', async () => {
    const domain = `d${randomUUID().slice(0, 8)}.example.com`;
    await membership.addressOf('owner', `owner@${domain}`);
    const orgId = await newOrganization();
    // Verified a minute ago, before the claim and before auto-join; the reaction only comes now (a lagging consumer).
    const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
    expect(await send(orgId, 'owner', { type: 'ClaimDomain', domain })).toMatchObject({ ok: true });
    expect(await send(orgId, 'owner', { type: 'UpdateSettings', autoJoin: true })).toMatchObject({
      ok: true,
    });
    const early = identityEventMessage('identity.EmailVerified.v1', 'late', {
      email: `late@${domain}`,
      at: aMinuteAgo,
    });
    // The same person verifying another address there now: after the first (one key, one order), and it joins.
    const now = identityEventMessage('identity.EmailVerified.v1', 'late', { email: `late+new@${domain}` });
    await app.get<MessageBus>(MESSAGE_BUS).publish([early, now]);
    await waitFor(async () => (await stateOf(orgId)).members.has('late'), { what: 'the later verification' });
    const idOf = (message: { headers?: Record<string, string> }) => message.headers?.ce_id;
    const joins = (await membership.causes(orgId)).filter(
      (e) => e.type === 'MemberJoined' && e.userId === 'late',
    );
    expect(joins.map((e) => e.causationId)).toEqual([idOf(now)]);
  });

  it('R16: two organizations racing for one domain: exactly one gets it; a verified address there auto-joins as User', async () => {
    const domain = `d${randomUUID().slice(0, 8)}.example.com`;
    await membership.addressOf('owner', `owner@${domain}`);
    const [first, second] = [await newOrganization(), await newOrganization()];
    const replies = await Promise.all([
      send(first, 'owner', { type: 'ClaimDomain', domain }),
      send(second, 'owner', { type: 'ClaimDomain', domain }),
    ]);
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    expect(replies.find((r) => !r.ok)).toMatchObject({ error: { code: 'domain-claimed', kind: 'conflict' } });
    const winner = replies[0]!.ok ? first : second;
    expect(await send(winner, 'owner', { type: 'UpdateSettings', autoJoin: true })).toMatchObject({
      ok: true,
    });

    const verified = (userId: string, email: string) =>
      identityEventMessage('identity.EmailVerified.v1', userId, { email });
    await app
      .get<MessageBus>(MESSAGE_BUS)
      .publish([verified('joiner', `joiner@${domain}`), verified('outsider', 'x@elsewhere.org')]);
    await waitFor(async () => (await stateOf(winner)).members.get('joiner')?.role === 'user', {
      what: 'auto-join',
    });
    expect((await stateOf(winner)).members.has('outsider')).toBe(false);

    // Deleting the winner frees the domain for the other organization.
    const loser = winner === first ? second : first;
    expect(await send(winner, 'owner', { type: 'DeleteOrganization' })).toMatchObject({ ok: true });
    expect(await send(loser, 'owner', { type: 'ClaimDomain', domain })).toMatchObject({
      ok: true,
      events: 1,
    });
  });
});
