import { totpCode } from '../apps/identity/src/two-factor/totp';
import { randomUUID } from 'node:crypto';
import { type Received } from '../apps/notifications/src/delivery/smtp-server.testing';
import { waitFor } from '@app/testing';
import { bearer, startPlatform, type Platform } from './platform.testing';

/** The changes that matter to people reach them by e-mail, once, with the organization's name and nothing else's. */
describe('notices to the people a change is about', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
  }, 120_000);
  afterAll(() => platform?.close());

  const mailsTo = (address: string, subject: RegExp): Received[] =>
    platform.mails.filter((m) => m.to.includes(address) && subject.test(decodedSubject(m)));
  const arrives = (address: string, subject: RegExp) =>
    waitFor(() => (mailsTo(address, subject).length > 0 ? mailsTo(address, subject) : undefined), {
      timeoutMs: 10_000,
      what: `a mail to ${address} about ${subject}`,
    });

  it('role changed, added to a team and made its manager, ownership transferred (to both), removed', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Notice Works');
    const bob = await platform.join(ada, orgId, 'Bob');
    const http = () => platform.http;

    await http()
      .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    const roleMail = (await arrives(bob.email, /Your role in Notice Works changed/))[0]!;
    expect(roleMail.raw).toContain('You are now an Admin in Notice Works.');

    const deskId = await platform.teamManagedBy(ada, orgId, bob, 'Desk');
    await arrives(bob.email, /You manage a team in Notice Works/);
    // made a plain member again, Bob was in the team all along: nothing tells him he joined it
    await http()
      .put(`/v1/orgs/${orgId}/teams/${deskId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'member' })
      .expect(200);
    const cat = await platform.join(ada, orgId, 'Cat');
    await http()
      .put(`/v1/orgs/${orgId}/teams/${deskId}/members/${cat.userId}`)
      .set(bearer(ada))
      .send({ role: 'member' })
      .expect(200);
    await arrives(cat.email, /You joined a team in Notice Works/);
    await http()
      .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'user' })
      .expect(200);
    await waitFor(() => mailsTo(bob.email, /Your role in/).length === 2 || undefined, { timeoutMs: 10_000 });
    expect(mailsTo(bob.email, /You joined a team/)).toHaveLength(0);

    await http()
      .post(`/v1/orgs/${orgId}/ownership-transfer`)
      .set(bearer(ada))
      .send({ newOwnerId: bob.userId })
      .expect(200);
    const toBob = (await arrives(bob.email, /Ownership of Notice Works was transferred/))[0]!;
    expect(toBob.raw).toContain('You are now the Owner there.');
    const toAda = (await arrives(ada.email, /Ownership of Notice Works was transferred/))[0]!;
    expect(toAda.raw).toContain('You are now an Admin there.');

    await http().delete(`/v1/orgs/${orgId}/members/${ada.userId}`).set(bearer(bob)).expect(204);
    await arrives(ada.email, /You were removed from Notice Works/);

    // the inviter hears of an acceptance
    await arrives(ada.email, /Your invitation to Notice Works was accepted/);

    // once per event and person, and only to the person concerned
    expect(mailsTo(bob.email, /Your role in/)).toHaveLength(2);
    expect(mailsTo(ada.email, /Your role in|You manage a team/)).toHaveLength(0);
  });

  const unverifiedCount = async () => {
    const metrics = (await platform.http.get('/metrics').expect(200)).text;
    const line = /^notifications_deliveries_total\{channel="email",status="unverified"\} (\d+)$/m.exec(
      metrics,
    );
    return Number(line?.[1] ?? 0);
  };

  it('an address nobody has proven is sent no notice: registering someone else’s and making changes about oneself mails them nothing', async () => {
    const email = `pat-${randomUUID().slice(0, 8)}@example.com`;
    await platform.http
      .post('/v1/auth/register')
      .send({ email, password: 'correct horse battery staple', name: 'Pat' })
      .expect(202);
    const pat = await platform.signIn(email);
    const heldBefore = await unverifiedCount();
    const orgId = await platform.createOrg(pat, 'Unproven Works');
    const team = await platform.http
      .post(`/v1/orgs/${orgId}/teams`)
      .set(bearer(pat))
      .send({ name: 'Desk' })
      .expect(201);
    const member = `/v1/orgs/${orgId}/teams/${team.body.teamId}/members/${pat.userId}`;
    await platform.http.put(member).set(bearer(pat)).send({ role: 'member' }).expect(200);
    await platform.http.delete(member).set(bearer(pat)).expect(204);
    // Held back, and counted as such.
    await waitFor(async () => (await unverifiedCount()) > heldBefore || undefined, {
      what: 'a notice held back for an unproven address',
    });

    // Once the address is proven, the next change reaches it; the organization's notices go out in order, so the one
    // before was held back, not slow.
    await platform.http
      .post('/v1/auth/verify-email')
      .send({ token: await platform.linkFromMail(email, '/verify-email') })
      .expect(200);
    await platform.http.put(member).set(bearer(pat)).send({ role: 'manager' }).expect(200);
    await arrives(email, /You manage a team in Unproven Works/);
    expect(mailsTo(email, /You joined a team/)).toHaveLength(0);
  });

  it("messages are written in the recipient's locale: chosen at sign-up, changed in the profile", async () => {
    const http = () => platform.http;
    const email = `gerda-${Date.now()}@example.com`;
    await http()
      .post('/v1/auth/register')
      .send({ email, password: 'correct horse battery staple', name: 'Gerda', locale: 'de-AT' })
      .expect(202);
    const french = await http()
      .post('/v1/auth/register')
      .send({ email: `f-${email}`, password: 'correct horse battery staple', name: 'Fleur', locale: 'fr-FR' })
      .expect(400);
    expect(french.body).toMatchObject({ code: 'unsupported-locale' });
    const verification = (await arrives(email, /Bestätigen Sie Ihre E-Mail-Adresse/))[0]!;
    expect(verification.raw).toContain('Hallo Gerda,');
    const token = await platform.linkFromMail(email, '/verify-email');
    await http().post('/v1/auth/verify-email').send({ token }).expect(200);
    const gerda = await platform.signIn(email, 'correct horse battery staple');
    expect((await http().get('/v1/me').set(bearer(gerda)).expect(200)).body.locale).toBe('de');

    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Sprachen AG');
    const bob = await platform.join(ada, orgId, 'Bob');
    await http()
      .post(`/v1/orgs/${orgId}/invitations`)
      .set(bearer(ada))
      .send({ email, role: 'user' })
      .expect(201);
    const invitation = await platform.linkFromMail(email, '/invitations#');
    await http()
      .post(`/v1/invitations/${encodeURIComponent(invitation)}/accept`)
      .set(bearer(gerda))
      .send({})
      .expect(200);
    await http()
      .patch(`/v1/orgs/${orgId}/members/${gerda.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    const german = (await arrives(email, /Ihre Rolle in Sprachen AG wurde geändert/))[0]!;
    expect(german.raw).toContain('Sie sind jetzt Admin in Sprachen AG.');

    // An unsupported locale is refused naming the field; English from then on once she picks it.
    const refused = await http().patch('/v1/me').set(bearer(gerda)).send({ locale: 'fr' }).expect(400);
    expect(refused.body).toMatchObject({ code: 'unsupported-locale' });
    expect(JSON.stringify(refused.body)).toContain('locale');
    const changed = await http().patch('/v1/me').set(bearer(gerda)).send({ locale: 'en' }).expect(200);
    expect(changed.body.locale).toBe('en');
    await http()
      .patch(`/v1/orgs/${orgId}/members/${gerda.userId}`)
      .set(bearer(ada))
      .send({ role: 'user' })
      .expect(200);
    await arrives(email, /Your role in Sprachen AG changed/);
    // the others chose nothing: the deployment's default (English)
    await http()
      .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    await arrives(bob.email, /Your role in Sprachen AG changed/);
  });

  it('a second factor newly required is announced to the members who have none', async () => {
    const ada = await platform.enrollTwoFactor(await platform.signUp('Ada'));
    const orgId = await platform.createOrg(ada, 'Strict Co');
    const bob = await platform.join(ada, orgId, 'Bob');
    await platform.http
      .patch(`/v1/orgs/${orgId}`)
      .set(bearer(ada))
      .send({ requireTwoFactor: true })
      .expect(200);
    await arrives(bob.email, /Strict Co now requires a second factor/);
    // Ada has one: she is not told
    expect(mailsTo(ada.email, /requires a second factor/)).toHaveLength(0);

    // A later settings change (a rename) leaves the requirement as it was: nobody is told again.
    await platform.http.patch(`/v1/orgs/${orgId}`).set(bearer(ada)).send({ name: 'Strict Co 2' }).expect(200);
    // Notices of one organization go out in order: once Cleo's arrives, the rename's would have.
    const later = await platform.join(ada, orgId, 'Cleo');
    await platform.http
      .patch(`/v1/orgs/${orgId}/members/${later.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    await arrives(later.email, /Your role in Strict Co 2 changed/);
    expect(mailsTo(bob.email, /requires a second factor/)).toHaveLength(1);
  });

  it('R22: someone auto-joined into an organization requiring a second factor is asked to enroll', async () => {
    const domain = `${randomUUID().slice(0, 8)}.example.org`;
    const ada = await platform.enrollTwoFactor(await platform.signUp('Ada', `ada@${domain}`));
    const orgId = await platform.createOrg(ada, 'Enroll Co');
    await platform.http.post(`/v1/orgs/${orgId}/domains`).set(bearer(ada)).send({ domain }).expect(201);
    await platform.http
      .patch(`/v1/orgs/${orgId}`)
      .set(bearer(ada))
      .send({ autoJoin: true, requireTwoFactor: true })
      .expect(200);
    const email = `hal@${domain}`;
    await platform.http
      .post('/v1/auth/register')
      .send({ email, password: 'correct horse battery staple', name: 'Hal' })
      .expect(202);
    const token = await platform.linkFromMail(email, '/verify-email');
    await platform.http.post('/v1/auth/verify-email').send({ token }).expect(200);
    const [mail] = await arrives(email, /^Enroll Co requires a second factor$/);
    expect(mail!.raw.replace(/=\r?\n/g, '')).toContain('You joined Enroll Co, which requires two-factor');
    // The members already there were told when it was turned on (Ada has a second factor: not at all), not now.
    expect(mailsTo(ada.email, /requires a second factor/)).toHaveLength(0);
  });

  it('a second factor turned on, then off, is told to the account owner each time', async () => {
    const ada = await platform.enrollTwoFactor(await platform.signUp('Ada'));
    await arrives(ada.email, /Two-factor sign-in was turned on/);
    await platform.http
      .delete('/v1/me/two-factor')
      .set(bearer(ada))
      .send({ code: ada.recoveryCodes[0] })
      .expect(204);
    await arrives(ada.email, /Two-factor sign-in was turned off/);
    expect(mailsTo(ada.email, /Two-factor sign-in was turned on/)).toHaveLength(1);
  });

  it('R22: new recovery codes are told to the account owner (who may not have made them)', async () => {
    const ada = await platform.enrollTwoFactor(await platform.signUp('Ada'));
    await arrives(ada.email, /Two-factor sign-in was turned on/);
    expect(mailsTo(ada.email, /New recovery codes/)).toHaveLength(0);
    // The steps enrolling used are spent: the one before, or after a step's end the one after, is still accepted.
    const now = Math.floor(Date.now() / 1000);
    let status = 0;
    for (const offset of [-30, 30]) {
      status = (
        await platform.http
          .post('/v1/me/two-factor/recovery-codes')
          .set(bearer(ada))
          .send({ code: totpCode(ada.secret, now + offset) })
      ).status;
      if (status === 200) break;
    }
    expect(status).toBe(200);
    const [mail] = await arrives(ada.email, /^New recovery codes were made for your account$/);
    expect(mail!.raw.replace(/=\r?\n/g, '')).toContain('the recovery codes you had before no longer work');
  });

  it('an inviter who has left is not told of the acceptance', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Moving On');
    const bob = await platform.join(ada, orgId, 'Bob', { role: 'admin' });
    const dora = `dora-${Date.now()}@example.com`;
    await platform.http
      .post(`/v1/orgs/${orgId}/invitations`)
      .set(bearer(bob))
      .send({ email: dora, role: 'user' })
      .expect(201);
    const token = await platform.linkFromMail(dora, '/invitations#');
    await platform.http.delete(`/v1/orgs/${orgId}/members/${bob.userId}`).set(bearer(ada)).expect(204);
    await platform.http
      .post(`/v1/invitations/${encodeURIComponent(token)}/accept`)
      .send({ name: 'Dora', password: 'correct horse battery staple', termsAccepted: true })
      .expect(200);
    // Ada, a member, is told of what happens next; by then the acceptance's notice would have been sent.
    await platform.http.patch(`/v1/orgs/${orgId}`).set(bearer(ada)).send({ name: 'Moved On' }).expect(200);
    const carl = await platform.join(ada, orgId, 'Carl');
    await platform.http
      .patch(`/v1/orgs/${orgId}/members/${carl.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    await arrives(carl.email, /Your role in Moved On changed/);
    expect(mailsTo(bob.email, /was accepted/)).toHaveLength(0);
  });

  it('a withdrawn invitation is announced to its invitee, a deleted organization to its members', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Short Lived');
    const cat = await platform.join(ada, orgId, 'Cat');
    const erin = `erin-${Date.now()}@example.com`;
    const invitation = await platform.http
      .post(`/v1/orgs/${orgId}/invitations`)
      .set(bearer(ada))
      .send({ email: erin, role: 'user' })
      .expect(201);
    await platform.linkFromMail(erin, '/invitations#');
    await platform.http
      .delete(`/v1/orgs/${orgId}/invitations/${invitation.body.invitationId}`)
      .set(bearer(ada))
      .expect(204);
    await arrives(erin, /Your invitation to Short Lived was withdrawn/);

    await platform.http.delete(`/v1/orgs/${orgId}`).set(bearer(ada)).expect(204);
    await arrives(cat.email, /Short Lived was deleted/);
    await arrives(ada.email, /Short Lived was deleted/);
  });
});

/** What an organization's Owner and Admins do tells its members, but not as often as they switch it back and forth. */
describe('the notices one person receives about one organization', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform({ notifications: { noticesPerHour: 2 } });
  }, 120_000);
  afterAll(() => platform?.close());

  const overQuota = async () => {
    const metrics = (await platform.http.get('/metrics').expect(200)).text;
    const line = metrics.match(
      /^notifications_deliveries_total\{channel="email",status="over-quota"\} (\d+)$/m,
    );
    return Number(line?.[1] ?? 0);
  };
  const roleMails = (to: string, org: string) =>
    platform.mails.filter((m) => m.to.includes(to) && decodedSubject(m) === `Your role in ${org} changed`);

  it('a role switched back and forth reaches the member as often as the quota allows; another organization has its own', async () => {
    const ada = await platform.signUp('Ada');
    const [flip, other] = [`Flip ${randomUUID().slice(0, 6)}`, `Other ${randomUUID().slice(0, 6)}`];
    const orgId = await platform.createOrg(ada, flip);
    const bob = await platform.join(ada, orgId, 'Bob');
    const heldBefore = await overQuota();
    for (const role of ['admin', 'user', 'admin'])
      await platform.http
        .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
        .set(bearer(ada))
        .send({ role })
        .expect(200);
    await waitFor(async () => (await overQuota()) > heldBefore, { what: 'a role notice over the quota' });
    await waitFor(() => roleMails(bob.email, flip).length >= 2 || undefined, { what: 'two role notices' });

    const otherId = await platform.createOrg(ada, other);
    await platform.rejoin(ada, otherId, bob);
    await platform.http
      .patch(`/v1/orgs/${otherId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    await waitFor(() => roleMails(bob.email, other).length >= 1 || undefined, {
      what: 'the other role notice',
    });
    expect(roleMails(bob.email, flip)).toHaveLength(2);
    expect(await overQuota()).toBe(heldBefore + 1);
  });
});

function decodedSubject(mail: Received): string {
  const line = mail.raw.match(/^Subject: (.*(?:\r?\n[ \t].*)*)/m)?.[1] ?? '';
  return line
    .replace(/=\?utf-8\?Q\?(.*?)\?=/gi, (_m, q: string) =>
      Buffer.from(
        q
          .replace(/_/g, ' ')
          .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
        'latin1',
      ).toString('utf8'),
    )
    .replace(/\r?\n[ \t]/g, '');
}
