import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, BACKWARDS, END, StreamNotFoundError } from '@eventstore/db-client';
import { bearer, startPlatform, type Platform, type SignedIn } from './platform.testing';

/**
 * Every organization route of the gateway, asked by every kind of caller: the status each gets, that a refused
 * command appended nothing to the organization's stream, and that no answer carries another tenant's data.
 */

type Actor = 'anonymous' | 'stranger' | 'noTwoFactor' | 'user' | 'manager' | 'partner' | 'admin' | 'owner';
/** Owner last: the matrix ends with the organization's deletion, which only the Owner may do. */
const ACTORS: readonly Actor[] = [
  'anonymous',
  'stranger',
  'noTwoFactor',
  'user',
  'manager',
  'partner',
  'admin',
  'owner',
];

type Expected = Record<Actor, number>;
/** Outside the organization: no token 401, another tenant's Owner 404 (nothing of it shows), no second factor 403. */
const outside = { anonymous: 401, stranger: 404, noTwoFactor: 403 } as const;
const members = (ok: number): Expected => ({
  ...outside,
  user: ok,
  manager: ok,
  partner: ok,
  admin: ok,
  owner: ok,
});
const admins = (ok: number): Expected => ({
  ...outside,
  user: 403,
  manager: 403,
  partner: ok,
  admin: ok,
  owner: ok,
});
const owner = (ok: number): Expected => ({
  ...outside,
  user: 403,
  manager: 403,
  partner: 403,
  admin: 403,
  owner: ok,
});

interface Fixture {
  readonly orgId: string;
  readonly teamId: string;
  readonly ownerId: string;
  readonly targetId: string;
}

interface Route {
  readonly name: string;
  readonly expected: Expected;
  /** Prepares what the request acts on (a fresh member, team, invitation ...) and returns the request. */
  readonly request: (
    f: Fixture,
    actor: Actor,
  ) => Promise<{ method: 'get' | 'post' | 'patch' | 'put' | 'delete'; path: string; body?: object }>;
  /** Puts back what an allowed request changed that later requests rely on. */
  readonly restore?: (actor: Actor, status: number) => Promise<void>;
}

describe('authorization matrix: every organization route × every kind of caller', () => {
  let platform: Platform;
  let events: EventStoreDBClient;
  const who = {} as Record<Exclude<Actor, 'anonymous'>, SignedIn>;
  let main: Fixture;
  /** The organization that requires two-factor authentication, where `noTwoFactor` is an Admin without it. */
  let guarded: Fixture;
  /** What must never show to someone outside the main organization, and to anyone in it of the stranger's tenant. */
  const secrets = { main: [] as string[], stranger: [] as string[] };
  /** The member who is made Owner and contact person, and set schedulable, by the rows that change those. */
  let targetMember: SignedIn;
  /** Ids of the other tenant's things, asked for in the main organization. */
  const theirs = { teamId: '', userId: '', invitationId: '' };

  const http = () => platform.http;
  const unique = () => randomUUID().slice(0, 8);

  beforeAll(async () => {
    // The platform's read-your-writes bound is generous: on Kafka with the read models in FerretDB, projecting a
    // deletion of an organization this size can take longer than the 2 s default (202, done but not yet shown).
    platform = await startPlatform();
    events = EventStoreDBClient.connectionString(platform.store.connectionString);

    // R16: a domain is claimed with a verified address at it; these three each claim their own.
    who.owner = await platform.signUp('Olivia', `olivia@${unique()}.example.net`);
    const mainName = `Main-${unique()}`;
    const orgId = await platform.createOrg(who.owner, mainName);
    const parentId = await platform.createOrg(who.owner, `Partner-${unique()}`);
    await http()
      .post(`/v1/orgs/${parentId}/children`)
      .set(bearer(who.owner))
      .send({ childOrgId: orgId })
      .expect(201);
    who.partner = await platform.join(
      who.owner,
      parentId,
      'Parker',
      { permissions: ['members.read', 'customers.manage'] },
      `parker@${unique()}.example.net`,
    );
    who.admin = await platform.join(
      who.owner,
      orgId,
      'Adam',
      { role: 'admin' },
      `adam@${unique()}.example.net`,
    );
    who.user = await platform.join(who.owner, orgId, 'Uma');
    who.manager = await platform.join(who.owner, orgId, 'Manny');
    const target = await platform.join(who.owner, orgId, 'Tess');
    const teamName = `Team-${unique()}`;
    const team = await http()
      .post(`/v1/orgs/${orgId}/teams`)
      .set(bearer(who.owner))
      .send({ name: teamName })
      .expect(201);
    await http()
      .put(`/v1/orgs/${orgId}/teams/${team.body.teamId}/members/${who.manager.userId}`)
      .set(bearer(who.owner))
      .send({ role: 'manager' })
      .expect(200);
    // R13: the manager, a User, sees the target through a second team they share, and so may staff them into theirs.
    const side = await http()
      .post(`/v1/orgs/${orgId}/teams`)
      .set(bearer(who.owner))
      .send({ name: `Side-${unique()}` })
      .expect(201);
    for (const member of [who.manager, target])
      await http()
        .put(`/v1/orgs/${orgId}/teams/${side.body.teamId}/members/${member.userId}`)
        .set(bearer(who.owner))
        .send({ role: 'member' })
        .expect(200);
    main = { orgId, teamId: team.body.teamId, ownerId: who.owner.userId, targetId: target.userId };
    targetMember = target;
    // Ids too: a request's own path and body name some of them, and those are left out where it is checked.
    secrets.main.push(
      mainName,
      teamName,
      side.body.teamId,
      team.body.teamId,
      who.owner.email,
      who.owner.userId,
      who.admin.email,
      who.admin.userId,
      who.user.email,
      who.user.userId,
      who.manager.email,
      target.email,
      target.userId,
    );

    // The other tenant holds what each list could leak: a team, a member, an invitation.
    who.stranger = await platform.signUp('Stella');
    const strangerOrg = `Elsewhere-${unique()}`;
    const strangerOrgId = await platform.createOrg(who.stranger, strangerOrg);
    const strangerTeam = `Theirs-${unique()}`;
    const theirTeam = await http()
      .post(`/v1/orgs/${strangerOrgId}/teams`)
      .set(bearer(who.stranger))
      .send({ name: strangerTeam })
      .expect(201);
    const theirMember = await platform.join(who.stranger, strangerOrgId, 'Theo');
    const theirInvitee = `invitee-${unique()}@example.org`;
    const theirInvitation = await http()
      .post(`/v1/orgs/${strangerOrgId}/invitations`)
      .set(bearer(who.stranger))
      .send({ email: theirInvitee, role: 'user', send: false })
      .expect(201);
    Object.assign(theirs, {
      teamId: theirTeam.body.teamId,
      userId: theirMember.userId,
      invitationId: theirInvitation.body.invitationId,
    });
    secrets.stranger.push(
      strangerOrg,
      strangerOrgId,
      strangerTeam,
      theirTeam.body.teamId,
      who.stranger.email,
      who.stranger.userId,
      theirMember.email,
      theirMember.userId,
      theirInvitee,
    );

    const guardOwner = await platform.enrollTwoFactor(await platform.signUp('Gina'));
    const guardedId = await platform.createOrg(guardOwner, `Guarded-${unique()}`);
    who.noTwoFactor = await platform.join(guardOwner, guardedId, 'Noah', { role: 'admin' });
    const guardedTarget = await platform.join(guardOwner, guardedId, 'Tara');
    const guardedTeam = await http()
      .post(`/v1/orgs/${guardedId}/teams`)
      .set(bearer(guardOwner))
      .send({ name: `Guard-${unique()}` })
      .expect(201);
    await http()
      .patch(`/v1/orgs/${guardedId}`)
      .set(bearer(guardOwner))
      .send({ requireTwoFactor: true })
      .expect(200);
    guarded = {
      orgId: guardedId,
      teamId: guardedTeam.body.teamId,
      ownerId: guardOwner.userId,
      targetId: guardedTarget.userId,
    };
    rejoinGuarded = () => platform.rejoin(guardOwner, guardedId, who.noTwoFactor, { role: 'admin' });
  }, 120_000);

  afterAll(async () => {
    await events?.dispose();
    await platform?.close();
  });

  let rejoinGuarded: () => Promise<void>;

  const freshMember = async (f: Fixture) => (await platform.join(who.owner, f.orgId, `M${unique()}`)).userId;
  const freshTeam = async (f: Fixture) =>
    (
      await http()
        .post(`/v1/orgs/${f.orgId}/teams`)
        .set(bearer(who.owner))
        .send({ name: `T-${unique()}` })
        .expect(201)
    ).body.teamId as string;
  const freshInvitation = async (f: Fixture) =>
    (
      await http()
        .post(`/v1/orgs/${f.orgId}/invitations`)
        .set(bearer(who.owner))
        .send({ email: `i-${unique()}@example.com`, role: 'user', send: false })
        .expect(201)
    ).body.invitationId as string;
  /** The domain of the actor's own address (R16: the one they can claim). */
  const domainOf = (actor: Actor) =>
    actor === 'anonymous' ? `${unique()}.example.net` : who[actor].email.split('@')[1]!;
  /** The Owner's domain, claimed (again) in the main organization. */
  const freshDomain = async () => {
    const domain = domainOf('owner');
    await http().post(`/v1/orgs/${main.orgId}/domains`).set(bearer(who.owner)).send({ domain }).expect(201);
    return domain;
  };
  /** The main organization's contact person set by its Owner (a no-op when they already are). */
  const contactPerson = async (userId: string) =>
    http().put(`/v1/orgs/${main.orgId}/contact-person`).set(bearer(who.owner)).send({ userId }).expect(200);
  const freshChild = async () => platform.createOrg(who.owner, `Child-${unique()}`);
  const linkedChild = async (f: Fixture) => {
    const childOrgId = await freshChild();
    await http().post(`/v1/orgs/${f.orgId}/children`).set(bearer(who.owner)).send({ childOrgId }).expect(201);
    return childOrgId;
  };

  const ROUTES: readonly Route[] = [
    {
      name: 'GET /v1/orgs/:orgId',
      expected: members(200),
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}` }),
    },
    {
      name: 'PATCH /v1/orgs/:orgId',
      expected: admins(200),
      request: async (f) => ({
        method: 'patch',
        path: `/v1/orgs/${f.orgId}`,
        body: { membersMayEditOwnAvailability: true },
      }),
    },
    {
      name: 'POST /v1/orgs/:orgId/ownership-transfer',
      // A real transfer (to the target), so a refusal that let it through would show; put back after the Owner's.
      expected: owner(200),
      request: async (f) => ({
        method: 'post',
        path: `/v1/orgs/${f.orgId}/ownership-transfer`,
        body: { newOwnerId: f.targetId },
      }),
      restore: async (_actor, status) => {
        if (status !== 200) return;
        await http()
          .post(`/v1/orgs/${main.orgId}/ownership-transfer`)
          .set(bearer(targetMember))
          .send({ newOwnerId: who.owner.userId })
          .expect(200);
        await http()
          .patch(`/v1/orgs/${main.orgId}/members/${main.targetId}`)
          .set(bearer(who.owner))
          .send({ role: 'user' })
          .expect(200);
      },
    },
    {
      name: 'PUT /v1/orgs/:orgId/contact-person',
      // R1: the Owner is the contact person until changed; each caller asks for a change.
      expected: admins(200),
      request: async (f) => {
        await contactPerson(main.ownerId);
        return { method: 'put', path: `/v1/orgs/${f.orgId}/contact-person`, body: { userId: f.targetId } };
      },
    },
    {
      name: 'DELETE /v1/orgs/:orgId/contact-person',
      // Each caller finds someone to take off.
      expected: admins(200),
      request: async (f) => {
        await contactPerson(main.targetId);
        return { method: 'delete', path: `/v1/orgs/${f.orgId}/contact-person` };
      },
    },
    {
      name: 'POST /v1/orgs/:orgId/domains',
      // R19: acting through the parent, one's own address proves no domain here (auto-join would make one a member).
      expected: { ...admins(201), partner: 403 },
      request: async (f, actor) => ({
        method: 'post',
        path: `/v1/orgs/${f.orgId}/domains`,
        body: { domain: domainOf(actor) },
      }),
    },
    {
      name: 'GET /v1/orgs/:orgId/domains',
      expected: admins(200),
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}/domains` }),
    },
    {
      name: 'DELETE /v1/orgs/:orgId/domains/:domain',
      expected: admins(204),
      request: async (f) => ({
        method: 'delete',
        path: `/v1/orgs/${f.orgId}/domains/${await freshDomain()}`,
      }),
    },
    {
      name: 'POST /v1/orgs/:orgId/children',
      // R19: linking needs Owner rights in the child too; the fresh child is the Owner's alone, and to the Admin, who
      // is not a member of it, it is not found (R13: nothing of an organization one is not in).
      expected: { ...admins(201), partner: 403, admin: 404 },
      request: async (f) => ({
        method: 'post',
        path: `/v1/orgs/${f.orgId}/children`,
        body: { childOrgId: await freshChild() },
      }),
    },
    {
      name: 'GET /v1/orgs/:orgId/children',
      // R19: only the direct parent counts; the child's own children are other tenants to the parent's agent.
      expected: { ...admins(200), partner: 403 },
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}/children` }),
    },
    {
      name: 'DELETE /v1/orgs/:orgId/children/:childOrgId',
      // R19 rights are for admin acts in the child, not for reshaping the hierarchy.
      expected: { ...admins(204), partner: 403 },
      request: async (f) => ({
        method: 'delete',
        path: `/v1/orgs/${f.orgId}/children/${await linkedChild(main)}`,
      }),
    },
    {
      name: 'GET /v1/orgs/:orgId/seats',
      expected: owner(200),
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}/seats` }),
    },
    {
      name: 'GET /v1/orgs/:orgId/members',
      expected: members(200),
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}/members` }),
    },
    {
      name: 'GET /v1/orgs/:orgId/members/:userId',
      // R13: the Owner is in none of a User's teams.
      expected: { ...members(200), user: 404, manager: 404 },
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}/members/${f.ownerId}` }),
    },
    {
      name: 'PATCH /v1/orgs/:orgId/members/:userId',
      // Each caller asks for a change: the target made not schedulable first.
      expected: admins(200),
      request: async (f) => {
        await http()
          .patch(`/v1/orgs/${main.orgId}/members/${main.targetId}`)
          .set(bearer(who.owner))
          .send({ schedulable: false })
          .expect(200);
        return {
          method: 'patch',
          path: `/v1/orgs/${f.orgId}/members/${f.targetId}`,
          body: { schedulable: true },
        };
      },
    },
    {
      name: 'DELETE /v1/orgs/:orgId/members/:userId',
      expected: admins(204),
      request: async (f) => ({
        method: 'delete',
        path: `/v1/orgs/${f.orgId}/members/${await freshMember(main)}`,
      }),
    },
    {
      name: 'POST /v1/orgs/:orgId/members/:userId/password-reset',
      expected: admins(202),
      request: async (f) => ({
        method: 'post',
        path: `/v1/orgs/${f.orgId}/members/${f.targetId}/password-reset`,
      }),
    },
    {
      name: 'POST /v1/orgs/:orgId/invitations',
      expected: admins(201),
      request: async (f) => ({
        method: 'post',
        path: `/v1/orgs/${f.orgId}/invitations`,
        body: { email: `n-${unique()}@example.com`, role: 'user', send: false },
      }),
    },
    {
      name: 'POST /v1/orgs/:orgId/invitations/import',
      expected: admins(200),
      request: async (f) => ({
        method: 'post',
        path: `/v1/orgs/${f.orgId}/invitations/import`,
        body: { rows: [{ email: `r-${unique()}@example.com`, role: 'user' }], send: false },
      }),
    },
    {
      name: 'GET /v1/orgs/:orgId/invitations',
      expected: admins(200),
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}/invitations` }),
    },
    {
      name: 'GET /v1/orgs/:orgId/invitations/:id',
      expected: admins(200),
      request: async (f) => ({
        method: 'get',
        path: `/v1/orgs/${f.orgId}/invitations/${await freshInvitation(main)}`,
      }),
    },
    {
      name: 'PATCH /v1/orgs/:orgId/invitations/:id',
      expected: admins(200),
      request: async (f) => ({
        method: 'patch',
        path: `/v1/orgs/${f.orgId}/invitations/${await freshInvitation(main)}`,
        body: { role: 'admin' },
      }),
    },
    {
      name: 'POST /v1/orgs/:orgId/invitations/:id/send',
      expected: admins(200),
      request: async (f) => ({
        method: 'post',
        path: `/v1/orgs/${f.orgId}/invitations/${await freshInvitation(main)}/send`,
      }),
    },
    {
      name: 'DELETE /v1/orgs/:orgId/invitations/:id',
      expected: admins(204),
      request: async (f) => ({
        method: 'delete',
        path: `/v1/orgs/${f.orgId}/invitations/${await freshInvitation(main)}`,
      }),
    },
    {
      name: 'POST /v1/orgs/:orgId/teams',
      expected: admins(201),
      request: async (f) => ({
        method: 'post',
        path: `/v1/orgs/${f.orgId}/teams`,
        body: { name: `N-${unique()}` },
      }),
    },
    {
      name: 'GET /v1/orgs/:orgId/teams',
      expected: members(200),
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}/teams` }),
    },
    {
      name: 'GET /v1/orgs/:orgId/teams/:teamId',
      expected: { ...members(200), user: 404 },
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}/teams/${f.teamId}` }),
    },
    {
      name: 'PATCH /v1/orgs/:orgId/teams/:teamId',
      // R11: a User renames the teams they manage; R13: one outside the team does not see it, as GET says.
      expected: { ...admins(200), manager: 200, user: 404 },
      request: async (f) => ({
        method: 'patch',
        path: `/v1/orgs/${f.orgId}/teams/${f.teamId}`,
        body: { name: `R-${unique()}` },
      }),
    },
    {
      name: 'DELETE /v1/orgs/:orgId/teams/:teamId',
      expected: admins(204),
      request: async (f) => ({
        method: 'delete',
        path: `/v1/orgs/${f.orgId}/teams/${await freshTeam(main)}`,
      }),
    },
    {
      name: 'PUT /v1/orgs/:orgId/teams/:teamId/members/:userId',
      expected: { ...admins(200), manager: 200, user: 404 },
      request: async (f) => ({
        method: 'put',
        path: `/v1/orgs/${f.orgId}/teams/${f.teamId}/members/${f.targetId}`,
        body: { role: 'member' },
      }),
    },
    {
      name: 'DELETE /v1/orgs/:orgId/teams/:teamId/members/:userId',
      expected: { ...admins(204), manager: 204, user: 404 },
      request: async (f) => {
        const userId = await freshMember(main);
        await http()
          .put(`/v1/orgs/${main.orgId}/teams/${main.teamId}/members/${userId}`)
          .set(bearer(who.owner))
          .send({ role: 'member' })
          .expect(200);
        return { method: 'delete', path: `/v1/orgs/${f.orgId}/teams/${f.teamId}/members/${userId}` };
      },
    },
    {
      name: 'GET /v1/orgs/:orgId/audit/events',
      expected: admins(200),
      request: async (f) => ({ method: 'get', path: `/v1/orgs/${f.orgId}/audit/events` }),
    },
    {
      name: 'GET /v1/orgs/:orgId/audit/roster',
      expected: admins(200),
      request: async (f) => ({
        method: 'get',
        path: `/v1/orgs/${f.orgId}/audit/roster?at=${new Date().toISOString()}`,
      }),
    },
    {
      name: 'POST /v1/orgs/:orgId/leave',
      // R9: anyone leaves but the Owner; leaving needs no second factor. Acting through the parent is no membership:
      // leaving is nothing to do (as for a retried leave), and the R19 rights stay.
      expected: { ...members(204), noTwoFactor: 204, owner: 422 },
      request: async (f) => ({ method: 'post', path: `/v1/orgs/${f.orgId}/leave` }),
      restore: async (actor, status) => {
        if (status !== 204 || actor === 'partner') return;
        if (actor === 'noTwoFactor') return rejoinGuarded();
        await platform.rejoin(
          who.owner,
          main.orgId,
          who[actor as 'user'],
          actor === 'admin' ? { role: 'admin' } : {},
        );
        if (actor === 'manager')
          await http()
            .put(`/v1/orgs/${main.orgId}/teams/${main.teamId}/members/${who.manager.userId}`)
            .set(bearer(who.owner))
            .send({ role: 'manager' })
            .expect(200);
      },
    },
    {
      name: 'DELETE /v1/orgs/:orgId',
      expected: owner(204),
      request: async (f) => ({ method: 'delete', path: `/v1/orgs/${f.orgId}` }),
    },
  ];

  async function streamRevision(orgId: string): Promise<bigint> {
    const last: bigint[] = [];
    try {
      const reads = events.readStream(`organization-${orgId}`, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      });
      for await (const resolved of reads) last.push(resolved.event?.revision ?? -1n);
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return last[0] ?? -1n;
  }

  it("another tenant's team, member or invitation, named in this organization, is answered as an id nobody has", async () => {
    const asked = (id: keyof typeof theirs) => [theirs[id], randomUUID()];
    const requests = (team: string, user: string, invitation: string) =>
      [
        ['get', `teams/${team}`],
        ['patch', `teams/${team}`, { name: `X-${unique()}` }],
        ['put', `teams/${main.teamId}/members/${user}`, { role: 'member' }],
        ['get', `members/${user}`],
        ['patch', `members/${user}`, { schedulable: true }],
        ['post', `ownership-transfer`, { newOwnerId: user }],
        ['get', `invitations/${invitation}`],
        ['post', `invitations/${invitation}/send`],
      ] as const;
    const [theirTeam, noTeam] = asked('teamId');
    const [theirUser, noUser] = asked('userId');
    const [theirInvitation, noInvitation] = asked('invitationId');
    const answers = async (team: string, user: string, invitation: string) => {
      const seen: unknown[] = [];
      for (const [method, path, body] of requests(team, user, invitation)) {
        const call = http()[method](`/v1/orgs/${main.orgId}/${path}`).set(bearer(who.owner));
        const res = await (body ? call.send(body) : call);
        seen.push([method, path.split('/')[0], res.status, res.body.code]);
      }
      return seen;
    };
    const before = await streamRevision(main.orgId);
    const forTheirs = await answers(theirTeam!, theirUser!, theirInvitation!);
    expect(forTheirs).toEqual(await answers(noTeam!, noUser!, noInvitation!));
    // Each reached the lookup of the thing itself (before the matrix below deletes the organization).
    expect(forTheirs.map((answer) => (answer as unknown[]).slice(2))).toEqual([
      [404, 'team-not-found'],
      [404, 'team-not-found'],
      [404, 'not-a-member'],
      [404, 'not-a-member'],
      [404, 'not-a-member'],
      [404, 'not-a-member'],
      [404, 'invitation-not-found'],
      [404, 'invitation-not-found'],
    ]);
    expect(await streamRevision(main.orgId)).toBe(before);
  });

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s', async (_name, route) => {
    const outcomes: string[] = [];
    for (const actor of ACTORS) {
      const fixture = actor === 'noTwoFactor' ? guarded : main;
      const { method, path, body } = await route.request(fixture, actor);
      const before = await streamRevision(fixture.orgId);
      let call = http()[method](path);
      if (actor !== 'anonymous') call = call.set(bearer(who[actor]));
      const res = await (body ? call.send(body) : call);
      const expected = route.expected[actor];
      outcomes.push(
        `${actor}: ${res.status}${res.status === expected ? '' : ` (expected ${expected}) ${JSON.stringify(res.body)}`}`,
      );

      if (res.status >= 400 && method !== 'get')
        expect({ actor, appended: (await streamRevision(fixture.orgId)) - before }).toEqual({
          actor,
          appended: 0n,
        });
      if (actor === 'noTwoFactor' && res.status === 403)
        expect(res.body).toMatchObject({ code: 'two-factor-required' });
      const text = JSON.stringify(res.body ?? '');
      const asked = `${path} ${JSON.stringify(body ?? {})}`;
      const hidden = (
        actor === 'stranger' || actor === 'anonymous' || actor === 'noTwoFactor'
          ? secrets.main
          : secrets.stranger
      ).filter((secret) => !asked.includes(secret));
      for (const secret of hidden)
        expect({ actor, leaked: text.includes(secret) ? secret : undefined }).toEqual({
          actor,
          leaked: undefined,
        });
      if (res.status >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      await route.restore?.(actor, res.status);
    }
    expect(outcomes).toEqual(ACTORS.map((actor) => `${actor}: ${route.expected[actor]}`));
  });

  it('every operator route: 401 without a token, 403 operator-only for everyone signed in who is no operator', async () => {
    const routes = [
      ['delete', `/v1/operator/domains/${domainOf('owner')}`],
      ['post', `/v1/operator/users/${main.targetId}/lock`, { reason: 'matrix' }],
      ['post', `/v1/operator/users/${main.targetId}/unlock`],
      ['post', '/v1/operator/personal-data/erase-invitee', { email: `gone-${unique()}@example.com` }],
      ['post', '/v1/operator/read-models/rebuild'],
      ['get', '/v1/operator/read-models/rebuild'],
    ] as const;
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const [method, path, body] of routes)
      for (const actor of ACTORS) {
        let call = http()[method](path);
        if (actor !== 'anonymous') call = call.set(bearer(who[actor]));
        const res = await (body ? call.send(body) : call);
        outcomes.push(`${method} ${path} ${actor}: ${res.status} ${res.body.code}`);
        expected.push(
          `${method} ${path} ${actor}: ${actor === 'anonymous' ? '401 unauthenticated' : '403 operator-only'}`,
        );
      }
    expect(outcomes).toEqual(expected);
    // The target was not locked: they still sign in and read.
    await http().get('/v1/me').set(bearer(targetMember)).expect(200);
  });

  it.each([['GET /v1/me'], ['GET /v1/me/organizations'], ['GET /v1/me/sessions'], ['GET /v1/permissions']])(
    '%s: signed in, anyone; anonymous 401',
    async (name) => {
      const path = name.split(' ')[1]!;
      expect((await http().get(path)).status).toBe(401);
      for (const actor of ACTORS.filter((a): a is Exclude<Actor, 'anonymous'> => a !== 'anonymous')) {
        const res = await http().get(path).set(bearer(who[actor]));
        expect([actor, res.status]).toEqual([actor, 200]);
        const hidden = actor === 'stranger' ? secrets.main : secrets.stranger;
        for (const secret of hidden) expect(JSON.stringify(res.body)).not.toContain(secret);
      }
    },
  );

  it('GET /v1/permissions is the catalog: what each permission gates and requires (R20), who holds it by default', async () => {
    const res = await http().get('/v1/permissions').set(bearer(who.user)).expect(200);
    const byName = new Map(
      (res.body.permissions as { name: string }[]).map((permission) => [permission.name, permission]),
    );
    expect(byName.get('members.invite')).toEqual({
      name: 'members.invite',
      gates: expect.stringContaining('invite people'),
      requires: ['members.read'],
      minimumRole: 'user',
      heldBy: ['owner', 'admin'],
      grantableIn: ['free', 'standard'],
    });
    expect(byName.get('members.changeRole')).toMatchObject({
      minimumRole: 'admin',
      heldBy: ['owner', 'admin'],
      grantableIn: ['standard'],
    });
  });

  it('a token that is forged, expired or for another audience is 401, never an answer', async () => {
    const [header, payload] = who.owner.token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ sub: who.stranger.userId })).toString('base64url')}.${who.owner.token.split('.')[2]}`;
    for (const token of [tampered, `${header}.${payload}.`, 'not-a-jwt'])
      expect(
        (await http().get(`/v1/orgs/${main.orgId}`).set('authorization', `Bearer ${token}`)).status,
      ).toBe(401);
  });
});
