import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { initHttpApp, readInfrastructureConfig } from '@app/platform';
import { makeTempDir, waitFor } from '@app/testing';
import { skipWhatEarlierSuitesLeft } from '@app/testing/consumer-groups';
import { startTestEventStore, type TestEventStore } from '@app/testing/test-event-store';
import { type DestinationStream } from 'pino';
import { readGatewayConfig, type GatewayConfig } from '../apps/gateway/src/config/gateway.config';
import { createGatewayApp } from '../apps/gateway/src/gateway.app';
import { gatewayGroupsOfItsOwn } from '../apps/gateway/src/config/consumer-groups.testing';
import { GATEWAY_CONFIG } from '../apps/gateway/src/gateway.tokens';
import { ProjectionFeed } from '../apps/gateway/src/read-models/projection-feed';
import { WriteServices } from '../apps/gateway/src/commands/write-services';
import { trackStarting } from './jest/left-open';
import { readIdentityConfig } from '../apps/identity/src/config/identity.config';
import { createIdentityApp } from '../apps/identity/src/identity.app';
import { totpCode } from '../apps/identity/src/two-factor/totp';
import { createMembershipApp } from '../apps/membership/src/membership.app';
import { type MembershipConfig } from '../apps/membership/src/config/membership.config';
import { type NotificationsOptions } from '../apps/notifications/src/app.module';
import { startSmtpServer, type Received } from '../apps/notifications/src/delivery/smtp-server.testing';
import { createNotificationsApp } from '../apps/notifications/src/notifications.app';

export const PASSWORD = 'correct horse battery staple';

export interface SignedIn {
  readonly userId: string;
  readonly email: string;
  readonly token: string;
  readonly refreshToken: string;
}

/**
 * The whole system as `npm start` runs it (four services in one process, the embedded event store, the configured
 * bus and read store), with a real SMTP server receiving the mail, and the gateway reached over HTTP.
 */
export interface PlatformOptions {
  /** Gateway settings over the test defaults (which lift the rate limits out of the way). */
  readonly gateway?: Partial<GatewayConfig>;
  /** Leave membership out, as if it were down. */
  readonly withoutMembership?: boolean;
  /** Membership settings over its defaults (e.g. a short invitation lifetime). */
  readonly membership?: Partial<MembershipConfig>;
  /** Notifications settings over the test defaults (which lift the invitation quota out of the way). */
  readonly notifications?: Partial<NotificationsOptions>;
  /** Where the gateway's log lines go (it logs nothing otherwise). */
  readonly gatewayLogTo?: DestinationStream;
  /** Where every service's log lines go (they log nothing otherwise). */
  readonly logTo?: DestinationStream;
}

export function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  return trackStarting(startWhole(options));
}

async function startWhole(options: PlatformOptions): Promise<Platform> {
  const groups = await consumerGroupsOfItsOwn();
  // Whatever started is stopped again if a later part fails, the last started first.
  const started: (() => Promise<unknown>)[] = [];
  const stopAll = () => stopInTurn([...started].reverse());
  try {
    const store = await startTestEventStore();
    started.push(() => store.stop());
    const smtp = await startSmtpServer();
    started.push(() => smtp.stop());
    const sms = await startSmsProvider();
    started.push(() => sms.stop());
    const infra = { ...readInfrastructureConfig(), eventStoreConnectionString: store.connectionString };
    const logTo = options.logTo ? { logTo: options.logTo } : {};
    const identity = await createIdentityApp(infra, {
      quiet: true,
      ...logTo,
      persistSecrets: false,
      // Operators are one list for identity and the gateway: a test adds a user to it once it has signed them up.
      config: {
        ...readIdentityConfig({}),
        publicUrl: 'http://gateway.test',
        operators: options.gateway?.operators ?? [],
      },
    });
    let identityStopped: Promise<void> | undefined;
    const stopIdentity = () => (identityStopped ??= identity.close());
    started.push(stopIdentity);
    await identity.listen(0, '127.0.0.1');
    const identityPort = (identity.getHttpServer().address() as AddressInfo).port;
    const membership = options.withoutMembership
      ? undefined
      : await createMembershipApp(infra, { quiet: true, ...logTo, config: options.membership ?? {} });
    if (membership) started.push(() => membership.close());
    await membership?.init();
    const notifications = await createNotificationsApp(infra, {
      quiet: true,
      ...logTo,
      delivery: {
        smtpUrl: smtp.url,
        smsUrl: sms.url,
        publicUrl: 'http://gateway.test',
        deliveryLogFile: join(await makeTempDir('deliveries'), 'deliveries.jsonl'),
        invitationsPerHour: 1_000_000,
        invitationTextsPerDay: 1_000_000,
        invitationMailsPerDay: 1_000_000,
        noticesPerHour: 1_000_000,
        ...options.notifications,
      },
    });
    started.push(() => notifications.close());
    await notifications.init();
    const gateway = await createGatewayApp(infra, {
      quiet: true,
      config: {
        ...readGatewayConfig(groups),
        jwksUrl: `http://127.0.0.1:${identityPort}/.well-known/jwks.json`,
        rateLimitPerIp: 1_000_000,
        rateLimitPerUser: 1_000_000,
        authRateLimitPerIp: 1_000_000,
        // A suite's answers wait for the read models as production's do, with room for a loaded CI machine whose
        // projection on Kafka and FerretDB can lag past the 2 s default: the suites that test the bound set their own.
        readYourWritesMs: 15_000,
        ...options.gateway,
      },
      ...(options.gatewayLogTo ? { logTo: options.gatewayLogTo } : logTo),
    });
    started.push(() => gateway.close());
    await initHttpApp(gateway);
    // Until then the routes that read the models answer 503, as a gateway not yet ready does.
    await gateway.get(ProjectionFeed).ready();
    await gateway.get(WriteServices).started();
    return new Platform(store, smtp, sms, gateway, notifications, identity, { stopAll, stopIdentity });
  } catch (error) {
    // A platform that did not start leaves nothing running: its consumers would go on in this process's consumer
    // groups and metrics, and upset the platforms started after it.
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/** Runs every stop, one after another, even past one that fails; then throws the first failure. */
async function stopInTurn(stops: readonly (() => Promise<unknown>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const stop of stops) await stop().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
}

/**
 * A platform with one operator (Opal), signed in with a second factor as the operator routes need. `operators` is the
 * one list identity and the gateway read: a test adds a user to it once it has signed them up.
 */
export async function startPlatformWithOperator(
  options: PlatformOptions = {},
): Promise<{ platform: Platform; operator: SignedIn; operators: string[] }> {
  const operators: string[] = [];
  const platform = await startPlatform({ ...options, gateway: { ...options.gateway, operators } });
  const operator = await platform.enrollTwoFactor(await platform.signUp('Opal'));
  operators.push(operator.userId);
  return { platform, operator, operators };
}

/**
 * The services' own consumer groups, which every test platform shares (moved to the end of their topics before one
 * starts), and a read-model group and a state-topics group of the platform's own (created there): what other platforms
 * and the integration tests left on the topics is other event stores' history. Shared, the gateway's projection had
 * to work it off into FerretDB before the platform could start (once past two minutes), its state publisher could wait
 * out models of organizations another platform closed before they were projected, and invitations other suites sent
 * without notifications running could count against the quota suite's exact figures.
 */
const SERVICE_GROUPS = [
  'identity',
  'identity.membership-reactions',
  'membership',
  'membership.identity-reactions',
  'membership.joined-account-reactions',
  'membership.parent-reactions',
  'notifications.email-requests',
  'notifications.erasure',
  'notifications.invitations',
  'notifications.notices',
];

/** Before a platform (or a suite's service processes) starts on Kafka: the groups it will read in (above). */
export async function consumerGroupsOfItsOwn(): Promise<{ READ_MODEL_GROUP?: string }> {
  await skipWhatEarlierSuitesLeft(SERVICE_GROUPS);
  return gatewayGroupsOfItsOwn();
}

export class Platform {
  private closed: Promise<void> | undefined;

  constructor(
    readonly store: TestEventStore,
    private readonly smtp: { received: Received[]; stop: () => Promise<void> },
    private readonly sms: SmsProvider,
    readonly gateway: INestApplication,
    readonly notifications: INestApplication,
    readonly identity: INestApplication,
    private readonly stops: {
      readonly stopAll: () => Promise<void>;
      readonly stopIdentity: () => Promise<void>;
    },
  ) {}

  get http() {
    return request(this.gateway.getHttpServer());
  }

  /** The consumer group the gateway projects the read models in (one per platform on Kafka). */
  get readModelGroup(): string {
    return this.gateway.get<GatewayConfig>(GATEWAY_CONFIG).readModelGroup;
  }

  get mails(): Received[] {
    return this.smtp.received;
  }

  /**
   * The token of the newest link in a mail to `to` whose link path starts with `path` (waits for it); `after`: only
   * mails received after that many (`mails.length` before the request that sends it).
   */
  linkFromMail(to: string, path: string, after = 0): Promise<string> {
    return tokenFromMails(this.smtp.received, to, path, after);
  }

  /** The text messages the SMS provider received, to whom and what. */
  get texts(): readonly { to: string; text: string }[] {
    return this.sms.received;
  }

  /** The invitation token of the newest SMS to `to` (waits for it). */
  async linkFromSms(to: string): Promise<string> {
    const text = await waitFor(() => [...this.sms.received].reverse().find((m) => m.to === to)?.text, {
      timeoutMs: 10_000,
      what: `an SMS to ${to}`,
    });
    const link = text.match(/https?:\/\/\S*\/invitations#token=(\S+)/);
    if (!link) throw new Error(`no invitation link in "${text}"`);
    return decodeURIComponent(link[1]!);
  }

  /** Registers, verifies with the mailed link and signs in. */
  async signUp(
    name = 'Ada',
    email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`,
  ): Promise<SignedIn> {
    await this.http.post('/v1/auth/register').send({ email, password: PASSWORD, name }).expect(202);
    const token = await this.linkFromMail(email, '/verify-email');
    await this.http.post('/v1/auth/verify-email').send({ token }).expect(200);
    return this.signIn(email);
  }

  /** Moves `who` to the address `to`: asks for it, then uses the link mailed there. The profile the move answers. */
  async changeEmail(who: SignedIn, to: string): Promise<Record<string, unknown>> {
    const after = this.mails.length;
    const asked = await this.http
      .put('/v1/me/email')
      .set(bearer(who))
      .send({ email: to, password: PASSWORD })
      .expect(202);
    expect(asked.body).toMatchObject({ status: 'confirmation-sent', pendingEmail: to.trim().toLowerCase() });
    const token = await this.linkFromMail(to.trim().toLowerCase(), '/verify-email', after);
    return (await this.http.post('/v1/auth/verify-email').send({ token }).expect(200)).body;
  }

  /** An organization of `owner`'s. */
  async createOrg(owner: SignedIn, name = 'Acme'): Promise<string> {
    const res = await this.http.post('/v1/orgs').set(bearer(owner)).send({ name }).expect(201);
    return res.body.orgId as string;
  }

  /** A team of `orgId`, created by `by`, with `manager` made its manager; its id. */
  async teamManagedBy(by: SignedIn, orgId: string, manager: SignedIn, name: string): Promise<string> {
    const team = await this.http.post(`/v1/orgs/${orgId}/teams`).set(bearer(by)).send({ name }).expect(201);
    const teamId = team.body.teamId as string;
    await this.http
      .put(`/v1/orgs/${orgId}/teams/${teamId}/members/${manager.userId}`)
      .set(bearer(by))
      .send({ role: 'manager' })
      .expect(200);
    return teamId;
  }

  /**
   * A new person, invited by `by` (by e-mail, with `terms` such as role and permissions), who follows the link in the
   * delivered mail, registers from it and signs in.
   */
  async join(
    by: SignedIn,
    orgId: string,
    name: string,
    terms: Record<string, unknown> = {},
    email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`,
  ): Promise<SignedIn> {
    await this.http
      .post(`/v1/orgs/${orgId}/invitations`)
      .set(bearer(by))
      .send({ email, role: 'user', ...terms })
      .expect(201);
    const token = await this.linkFromMail(email, '/invitations#');
    await this.http
      .post(`/v1/invitations/${encodeURIComponent(token)}/accept`)
      .send({ name, password: PASSWORD, termsAccepted: true })
      .expect(200);
    return this.signIn(email);
  }

  /** An existing user invited again (after leaving) accepts while signed in. */
  async rejoin(
    by: SignedIn,
    orgId: string,
    who: SignedIn,
    terms: Record<string, unknown> = {},
  ): Promise<void> {
    const mailsBefore = this.smtp.received.length;
    await this.http
      .post(`/v1/orgs/${orgId}/invitations`)
      .set(bearer(by))
      .send({ email: who.email, role: 'user', ...terms })
      .expect(201);
    const token = await this.linkFromMail(who.email, '/invitations#', mailsBefore);
    await this.http
      .post(`/v1/invitations/${encodeURIComponent(token)}/accept`)
      .set(bearer(who))
      .send({})
      .expect(200);
  }

  /**
   * R22: enrolls an authenticator for `who` (confirmed with a code) and signs in again with the next code: a session
   * whose token says a second factor was used.
   */
  /** Enrolls and signs in again with a code: the session with a second factor, the recovery codes and the secret. */
  async enrollTwoFactor(who: SignedIn): Promise<SignedIn & { recoveryCodes: string[]; secret: string }> {
    const started = await this.http
      .post('/v1/me/two-factor')
      .set(bearer(who))
      .send({ password: PASSWORD })
      .expect(200);
    const secret = started.body.secret as string;
    const now = Math.floor(Date.now() / 1000);
    const confirmed = await this.http
      .post('/v1/me/two-factor/confirm')
      .set(bearer(who))
      .send({ code: totpCode(secret, now) })
      .expect(200);
    const login = await this.http
      .post('/v1/auth/login')
      .send({ email: who.email, password: PASSWORD })
      .expect(200);
    // Each 30-s step is good once: the next step's code, within the accepted drift.
    const res = await this.http
      .post('/v1/auth/login/two-factor')
      .send({ challenge: login.body.challenge, code: totpCode(secret, now + 30) })
      .expect(200);
    return {
      ...who,
      token: res.body.accessToken,
      refreshToken: res.body.refreshToken,
      recoveryCodes: confirmed.body.recoveryCodes as string[],
      secret,
    };
  }

  async signIn(email: string, password = PASSWORD): Promise<SignedIn> {
    const res = await this.http.post('/v1/auth/login').send({ email, password }).expect(200);
    return {
      userId: res.body.userId,
      email,
      token: res.body.accessToken,
      refreshToken: res.body.refreshToken,
    };
  }

  /** Stops identity, as if it were down. */
  stopIdentity(): Promise<void> {
    return this.stops.stopIdentity();
  }

  /** Stops everything it started, in the reverse order (the gateway first, the event store last); once. */
  close(): Promise<void> {
    this.closed ??= this.stops.stopAll();
    return this.closed;
  }
}

interface SmsProvider {
  readonly url: string;
  readonly received: { to: string; text: string }[];
  stop(): Promise<void>;
}

/** An HTTP SMS provider as notifications calls one: `POST { to, text }` with JSON, kept for the test to read. */
async function startSmsProvider(): Promise<SmsProvider> {
  const received: { to: string; text: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; text: string });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: randomUUID() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`,
    received,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export const bearer = (who: { token: string }) => ({ authorization: `Bearer ${who.token}` });

/** The link to `path` in the last of `mails` (oldest first) sent to `to` that has one. */
export function newestLink(mails: readonly Received[], to: string, path: string): string | undefined {
  for (const mail of [...mails].reverse()) {
    if (!mail.to.includes(to)) continue;
    const match = decodeQuotedPrintable(mail.raw).match(new RegExp(`https?://[^\\s"'<>]*${path}[^\\s"'<>]*`));
    if (match) return match[0].replaceAll('&amp;', '&');
  }
  return undefined;
}

/**
 * The token of the newest link in a mail to `to` whose link path starts with `path` (waits for it); `after`: only
 * mails received after that many.
 */
export async function tokenFromMails(
  mails: readonly Received[],
  to: string,
  path: string,
  after = 0,
  timeoutMs = 10_000,
): Promise<string> {
  const link = await waitFor(() => newestLink(mails.slice(after), to, path), {
    timeoutMs,
    what: `a mail to ${to} with ${path}`,
  });
  const url = new URL(link);
  return (
    new URLSearchParams(url.hash.slice(1)).get('token') ??
    url.searchParams.get('token') ??
    url.pathname.split('/').pop()!
  );
}
