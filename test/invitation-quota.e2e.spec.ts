import { randomUUID } from 'node:crypto';
import { waitFor } from '@app/testing';
import { bearer, startPlatform, type Platform, type SignedIn } from './platform.testing';

/** R5 against abuse: one address receives a bounded number of invitation messages an hour, from everyone together. */
describe('the invitation quota of one address', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform({ notifications: { invitationsPerHour: 3, invitationTextsPerDay: 2 } });
  }, 120_000);
  afterAll(() => platform?.close());

  const http = () => platform.http;
  const mailsTo = (address: string) => platform.mails.filter((m) => m.to.includes(address));
  const overQuota = async (channel: 'email' | 'sms') => {
    const metrics = (await http().get('/metrics').expect(200)).text;
    const line = metrics.match(
      new RegExp(
        `^notifications_deliveries_total\\{channel="${channel}",status="over-quota"\\} (\\d+)$`,
        'm',
      ),
    );
    return Number(line?.[1] ?? 0);
  };
  /** Messages are handled per organization, so another organization's delivery says nothing of this one's: wait for
   * the count, then a second more, in case more are counted than should be. */
  const settledOverQuota = async (channel: 'email' | 'sms', expected: number) => {
    await waitFor(async () => (await overQuota(channel)) >= expected, {
      what: `${expected} ${channel} over quota`,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return overQuota(channel);
  };
  const invite = async (who: SignedIn, orgId: string, email: string) =>
    (
      await http()
        .post(`/v1/orgs/${orgId}/invitations`)
        .set(bearer(who))
        .send({ email, role: 'user' })
        .expect(201)
    ).body.invitationId as string;

  it('resends and a withdrawal stop reaching the mailbox at the quota; another organization’s invitation still does', async () => {
    const victim = `victim-${randomUUID().slice(0, 8)}@example.com`;
    const mallory = await platform.signUp('Mallory');
    const orgId = await platform.createOrg(mallory, 'Spam');
    const invitationId = await invite(mallory, orgId, victim);
    await platform.linkFromMail(victim, '/invitations#');
    const resend = () =>
      http().post(`/v1/orgs/${orgId}/invitations/${invitationId}/send`).set(bearer(mallory)).expect(200);
    // Each send handled before the next: one handled after a later send is not delivered at all (its link is dead).
    for (const mailed of [2, 3]) {
      await resend();
      await waitFor(() => mailsTo(victim).length >= mailed, { what: `${mailed} mails to the victim` });
    }
    await resend();
    await waitFor(async () => (await overQuota('email')) >= 1, { what: 'the third resend over the quota' });
    await http().delete(`/v1/orgs/${orgId}/invitations/${invitationId}`).set(bearer(mallory)).expect(204);
    const olga = await platform.signUp('Olga');
    await invite(olga, await platform.createOrg(olga, 'Other'), victim);
    // Someone else's mailbox is not touched by the victim's quota.
    const bystander = `other-${randomUUID().slice(0, 8)}@example.com`;
    await invite(mallory, orgId, bystander);
    await platform.linkFromMail(bystander, '/invitations#');
    expect(await settledOverQuota('email', 2)).toBe(2);
    await waitFor(() => mailsTo(victim).some((m) => m.raw.includes('Other')), { what: 'Olga’s invitation' });

    // Every request was answered as usual. Of Mallory's five messages three reached the victim; Olga's organization
    // has a quota of its own, so her invitation did too.
    expect(mailsTo(victim)).toHaveLength(4);
    expect(mailsTo(victim).filter((m) => m.raw.includes('Other'))).toHaveLength(1);
    expect(mailsTo(bystander)).toHaveLength(1);
  });

  it('an organization’s invitations text at most its day budget of numbers; another organization’s still reach theirs', async () => {
    const number = () => `+4915${String(Math.floor(Math.random() * 100_000_000)).padStart(8, '0')}`;
    const numbers = [number(), number(), number()];
    const mallory = await platform.signUp('Mallory');
    const orgId = await platform.createOrg(mallory, 'Pump');
    for (const phone of numbers)
      await http()
        .post(`/v1/orgs/${orgId}/invitations`)
        .set(bearer(mallory))
        .send({ phone, role: 'user' })
        .expect(201);
    const olga = await platform.signUp('Olga');
    const elsewhere = number();
    await http()
      .post(`/v1/orgs/${await platform.createOrg(olga, 'Other')}/invitations`)
      .set(bearer(olga))
      .send({ phone: elsewhere, role: 'user' })
      .expect(201);
    await platform.linkFromSms(elsewhere);
    expect(await settledOverQuota('sms', 1)).toBe(1);

    const textedTo = (phone: string) => platform.texts.filter((t) => t.to === phone).length;
    expect(numbers.map(textedTo).sort()).toEqual([0, 1, 1]);
  });
});
