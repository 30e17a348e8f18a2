import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { type IdentityHarness, startIdentity } from '../../../identity/src/commands/identity-harness.testing';
import { startNotificationsOverSmtp } from '../notifications-over-smtp.testing';
import { emailRequested } from './email-requested.testing';

describe('e-mail requests through a real SMTP server', () => {
  const eventStore = useTestEventStore();
  let started: Awaited<ReturnType<typeof startNotificationsOverSmtp>>;
  let identity: IdentityHarness;
  const smtp = () => started.smtp;

  beforeAll(async () => {
    started = await startNotificationsOverSmtp(eventStore.store.connectionString, {
      publicUrl: 'https://app.example.com',
    });
    identity = await startIdentity(eventStore.store.connectionString, {
      publicUrl: 'https://app.example.com',
    });
  });
  afterAll(async () => {
    await identity.close();
    await started.close();
  });

  it('R18: the verification link identity asks for arrives by SMTP, once, and verifies the account', async () => {
    const address = `mail-${Date.now()}@example.com`;
    await identity.result({
      type: 'Register',
      name: 'Ada',
      email: address,
      password: 'correct horse battery',
    });
    const mail = await waitFor(() => smtp().received.find((m) => m.to.includes(address)), {
      timeoutMs: 15_000,
    });
    expect(mail.from).toBe('no-reply@platform.test');
    expect(mail.raw).toContain('Subject: Confirm your e-mail address');
    const unfolded = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const token = /https:\/\/app\.example\.com\/verify-email#token=([A-Za-z0-9_-]+)/.exec(unfolded)?.[1];
    expect(token).toBeDefined();
    expect(await identity.result({ type: 'VerifyEmail', token })).toMatchObject({ emailVerified: true });
    expect(smtp().received.filter((m) => m.to.includes(address))).toHaveLength(1);
  });

  it('R18: an address change is confirmed by a mail worded for it, to the new address; its link moves the account', async () => {
    const address = `before-${Date.now()}@example.com`;
    const userId = await identity.registerVerified(address);
    const moved = `after-${Date.now()}@example.com`;
    await identity.result({ type: 'ChangeEmail', email: moved, password: 'correct horse battery' }, userId);
    const mail = await waitFor(() => smtp().received.find((m) => m.to.includes(moved)), {
      timeoutMs: 15_000,
    });
    expect(mail.raw).toContain('Subject: Confirm your new e-mail address');
    expect(mail.raw).not.toContain('An account was created with this address');
    const unfolded = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const token = /https:\/\/app\.example\.com\/verify-email\?change=1#token=([A-Za-z0-9_-]+)/.exec(
      unfolded,
    )?.[1];
    expect(await identity.result({ type: 'VerifyEmail', token })).toMatchObject({
      email: moved,
      emailVerified: true,
    });
    const notice = await waitFor(
      () =>
        smtp().received.find((m) => m.to.includes(address) && m.raw.includes('e-mail address was changed')),
      { timeoutMs: 15_000 },
    );
    expect(notice.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')).not.toContain(moved);
  });

  it('R17: a reset request is mailed; an unknown address gets nothing', async () => {
    const address = `reset-${Date.now()}@example.com`;
    await identity.registerVerified(address);
    await identity.result({ type: 'ForgotPassword', email: address });
    await identity.result({ type: 'ForgotPassword', email: `nobody-${Date.now()}@example.com` });
    const mail = await waitFor(
      () => smtp().received.find((m) => m.to.includes(address) && m.raw.includes('Reset your password')),
      { timeoutMs: 15_000 },
    );
    expect(mail.raw).toContain('reset-password#token');
    expect(smtp().received.some((m) => m.to.some((to) => to.startsWith('nobody-')))).toBe(false);
  });

  it('R17: a request whose link expired before it was handled (a backlog) mails nothing; one still valid is mailed', async () => {
    const late = `late-${Date.now()}@example.com`;
    const bus = started.notifications.get<MessageBus>(MESSAGE_BUS);
    const request = (expiresAt: string) => ({
      template: 'reset-password' as const,
      to: late,
      link: 'https://app.example.com/reset-password#token=abc',
      expiresAt,
    });
    await bus.publish([
      emailRequested(request(new Date(Date.now() - 1_000).toISOString())).message,
      emailRequested(request(new Date(Date.now() + 1_800_000).toISOString())).message,
    ]);
    await waitFor(() => smtp().received.find((m) => m.to.includes(late)), {
      timeoutMs: 15_000,
      what: 'the valid link’s mail',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp().received.filter((m) => m.to.includes(late))).toHaveLength(1);
  });

  it('R10: a request for an account deleted since (a redelivery after its erasure) mails nothing', async () => {
    const gone = `gone-${Date.now()}@example.com`;
    const goneId = await identity.registerVerified(gone);
    await identity.result(
      { type: 'DeleteAccount', password: 'correct horse battery', confirmOwnedOrganizations: true },
      goneId,
    );
    const live = `live-${Date.now()}@example.com`;
    const liveId = await identity.registerVerified(live);
    const bus = started.notifications.get<MessageBus>(MESSAGE_BUS);
    await bus.publish([
      emailRequested({ template: 'password-changed', to: gone, userId: goneId }).message,
      emailRequested({ template: 'password-changed', to: live, userId: liveId }).message,
    ]);
    await waitFor(() => smtp().received.find((m) => m.to.includes(live) && m.raw.includes('password')), {
      timeoutMs: 15_000,
      what: 'the live account’s mail',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp().received.filter((m) => m.to.includes(gone))).toHaveLength(
      // Its verification mail, sent while it was registered; nothing after the deletion.
      smtp().received.filter((m) => m.to.includes(gone) && m.raw.includes('Confirm your e-mail')).length,
    );
  });
});
