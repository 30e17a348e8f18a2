import { join } from 'node:path';
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DEFAULT_RETRY_POLICY, MESSAGE_BUS, type MessageBus, type RetryPolicy } from '@app/messaging';
import { isDomainError } from '@app/domain';
import { parseLocale, SUPPORTED_LOCALES, type SupportedLocale } from '@app/identifiers';
import { DeliveryOutcomes } from './delivery/delivery-outcomes';
import { TOPICS } from '@app/contracts';
import {
  configuredSecretsRequired,
  PERSONAL_DATA,
  positiveInt,
  ServiceInfrastructureModule,
  type ResolvedInfrastructure,
} from '@app/platform';
import { type PersonalData } from '@app/personal-data';
import { LocalDeliveryLog, type DeliveryLog } from './delivery/delivery-log';
import { VaultRecipientKeys, type RecipientKeys } from './delivery/recipient-keys';
import { ForgetErasedRecipients } from './erasure/forget-erased-recipients';
import { MongoDeliveryLog, NOTIFICATIONS_DB } from './delivery/mongo-delivery-log';
import {
  DELIVERIES_IN_HAND,
  INVITATION_QUOTA,
  NOTICE_QUOTA,
  DELIVERY_LOG,
  DELIVERY_RETRY,
  ENABLED_NOTICES,
  ERASURE_SECOND_PASS_MS,
  MESSAGE_LOCALE,
  RECIPIENT_KEYS,
} from './notifications.tokens';
import { enabledNotices, noticeKindsIn, type NoticeKind } from './notices/notice-rules';
import { Notices } from './notices/notices';
import { noLongerWanted } from './notices/no-longer-wanted';
import { RecipientDirectory } from './notices/recipient-directory';
import { DEFAULT_NOTICES_PER_HOUR, NoticeQuota } from './quotas/notice-quota';
import { EVENT_STORE_CLIENT, STORED_DATA_PROTECTION, type StoredDataProtection } from '@app/event-store';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { localeOf } from './templates/catalog';
import { ADMIN_TOKEN, loadAdminToken } from './admin/admin-token';
import { DeliveriesController } from './admin/deliveries.controller';
import { DEFAULT_DELIVERIES_IN_HAND, FileMailTransport, SmtpMailTransport } from './delivery/mail-transport';
import { Notifier } from './delivery/notifier';
import { FileSmsTransport, HttpSmsTransport, UnconfiguredSmsTransport } from './delivery/sms-transport';
import { loadInvitationTokens } from '@app/invitation-tokens';
import { EmailRequests } from './requests/email-requests';
import { INVITATION_LINKS, InvitationMessages, type InvitationLinks } from './requests/invitation-messages';
import {
  DEFAULT_INVITATIONS_PER_HOUR,
  DEFAULT_INVITATION_MAILS_PER_DAY,
  DEFAULT_INVITATION_TEXTS_PER_DAY,
  InvitationQuota,
} from './requests/invitation-quota';

export interface NotificationsOptions {
  /** SMTP URL (e.g. smtp://user:pass@mail:587); absent = `.eml` files under `<DATA_DIR>/outbox/email`. */
  readonly smtpUrl?: string;
  readonly mailFrom?: string;
  /** HTTP SMS provider; absent = `<DATA_DIR>/outbox/sms/sms.jsonl`. */
  readonly smsUrl?: string;
  /** Without `smsUrl`, fail every SMS (a cluster) instead of writing it to a file (the embedded default). */
  readonly smsProviderRequired?: boolean;
  readonly smsToken?: string;
  /** Base of the links in messages (PUBLIC_URL). */
  readonly publicUrl?: string;
  /** Without MongoDB, where the delivery log is kept (default `<DATA_DIR>/notifications/deliveries.jsonl`). */
  readonly deliveryLogFile?: string;
  /** Notice kinds not to send (`NOTIFY_OFF`, comma-separated; README "notifications" lists them). */
  readonly noticesOff?: readonly NoticeKind[];
  /** The locale of messages whose recipient's locale is not known (`NOTIFY_LOCALE`: `en` or `de`). */
  readonly locale?: SupportedLocale;
  /**
   * How long an attempt holds its delivery (`NOTIFY_LEASE_MS`, default 60,000): an instance killed mid-attempt delays
   * that delivery (and its partition) this long. SMTP and SMS timeouts are half of it, so an attempt ends inside it.
   */
  readonly leaseMs?: number;
  /** How long after an erasure its deliveries are forgotten once more (default twice the lease). */
  readonly erasureSecondPassMs?: number;
  /**
   * Deliveries each consumer works on at once per partition (`NOTIFY_IN_HAND_PER_PARTITION`, default 8, at most 64).
   * More: more throughput when the delivery log or the provider is slow, up to nine times as many SMTP connections at
   * a peak, and as many deliveries that a killed instance may have sent without recording it (sent again after the
   * lease, with the same idempotency key).
   */
  readonly inHandPerPartition?: number;
  /**
   * Invitation messages (links and "withdrawn" notices) one address or number receives from one organization in an
   * hour, four times that from all together (`NOTIFY_INVITATIONS_PER_HOUR`, default 5); beyond it they are not sent.
   */
  readonly invitationsPerHour?: number;
  /**
   * Invitation text messages one organization, and one inviter across organizations, sends in 24 hours, to all
   * numbers together (`NOTIFY_INVITATION_TEXTS_PER_DAY`, default 200); beyond it they are not sent.
   */
  readonly invitationTextsPerDay?: number;
  /**
   * Invitation e-mails one organization, and one inviter across organizations, sends in 24 hours, to all addresses
   * together (`NOTIFY_INVITATION_MAILS_PER_DAY`, default 2,000); beyond it they are not sent.
   */
  readonly invitationMailsPerDay?: number;
  /**
   * Notices one person receives about one organization in an hour (`NOTIFY_NOTICES_PER_HOUR`, default 10); beyond it
   * they are not sent. Notices about a person's own account are not counted.
   */
  readonly noticesPerHour?: number;
  /** Attempts per delivery before it is dead (`NOTIFY_MAX_ATTEMPTS`, default 6), and the backoff between them. */
  readonly retry?: {
    readonly maxAttempts?: number;
    readonly initialBackoffMs?: number;
    readonly maxBackoffMs?: number;
  };
}

const DEFAULT_LEASE_MS = 60_000;

/** NOTIFY_LOCALE: a language messages are written in (`de`, `de-AT`); another would be English, unnoticed. */
function messageLocaleIn(setting: string): SupportedLocale {
  try {
    return parseLocale(setting, 'NOTIFY_LOCALE');
  } catch (error) {
    if (!isDomainError(error)) throw error;
    throw new Error(
      `NOTIFY_LOCALE must be one of ${SUPPORTED_LOCALES.join(', ')} (a tag such as de-AT counts as its language), got "${setting}"`,
    );
  }
}

/**
 * The SMS provider's URL: https (http only to this machine), its credentials in SMS_PROVIDER_TOKEN and not in the
 * URL, whose text ends up in errors, delivery records and logs.
 */
function smsProviderUrlOf(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('SMS_PROVIDER_URL must be a URL');
  }
  if (url.username || url.password)
    throw new Error(
      'SMS_PROVIDER_URL must not carry a user or password: put the credential in SMS_PROVIDER_TOKEN',
    );
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new Error('SMS_PROVIDER_URL must be https (http only to localhost): it carries the bearer token');
  return raw;
}

export function readNotificationsOptions(env: NodeJS.ProcessEnv = process.env): NotificationsOptions {
  // Where secrets must be configured (a cluster), mail written to files in a pod's scratch space would be lost.
  const secretsRequired = configuredSecretsRequired(env);
  if (secretsRequired && !env.SMTP_URL)
    throw new Error(
      'SMTP_URL must be set (REQUIRE_CONFIGURED_SECRETS=true): without it mail only goes to files',
    );
  return {
    ...(env.SMTP_URL ? { smtpUrl: env.SMTP_URL } : {}),
    ...(env.MAIL_FROM ? { mailFrom: env.MAIL_FROM } : {}),
    ...(env.SMS_PROVIDER_URL ? { smsUrl: smsProviderUrlOf(env.SMS_PROVIDER_URL) } : {}),
    smsProviderRequired: secretsRequired,
    ...(env.SMS_PROVIDER_TOKEN ? { smsToken: env.SMS_PROVIDER_TOKEN } : {}),
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL.replace(/\/$/, '') } : {}),
    ...(env.NOTIFY_LOCALE ? { locale: messageLocaleIn(env.NOTIFY_LOCALE) } : {}),
    ...(env.NOTIFY_OFF ? { noticesOff: noticeKindsIn(env.NOTIFY_OFF) } : {}),
    leaseMs: positiveInt(env.NOTIFY_LEASE_MS, DEFAULT_LEASE_MS, 'NOTIFY_LEASE_MS'),
    inHandPerPartition: inHandOf(env.NOTIFY_IN_HAND_PER_PARTITION),
    invitationsPerHour: positiveInt(
      env.NOTIFY_INVITATIONS_PER_HOUR,
      DEFAULT_INVITATIONS_PER_HOUR,
      'NOTIFY_INVITATIONS_PER_HOUR',
    ),
    invitationTextsPerDay: positiveInt(
      env.NOTIFY_INVITATION_TEXTS_PER_DAY,
      DEFAULT_INVITATION_TEXTS_PER_DAY,
      'NOTIFY_INVITATION_TEXTS_PER_DAY',
    ),
    invitationMailsPerDay: positiveInt(
      env.NOTIFY_INVITATION_MAILS_PER_DAY,
      DEFAULT_INVITATION_MAILS_PER_DAY,
      'NOTIFY_INVITATION_MAILS_PER_DAY',
    ),
    noticesPerHour: positiveInt(
      env.NOTIFY_NOTICES_PER_HOUR,
      DEFAULT_NOTICES_PER_HOUR,
      'NOTIFY_NOTICES_PER_HOUR',
    ),
    retry: {
      maxAttempts: positiveInt(env.NOTIFY_MAX_ATTEMPTS, 6, 'NOTIFY_MAX_ATTEMPTS'),
      initialBackoffMs: positiveInt(env.NOTIFY_INITIAL_BACKOFF_MS, 1_000, 'NOTIFY_INITIAL_BACKOFF_MS'),
      maxBackoffMs: positiveInt(env.NOTIFY_MAX_BACKOFF_MS, 60_000, 'NOTIFY_MAX_BACKOFF_MS'),
    },
  };
}

const MAX_IN_HAND = 64;

function inHandOf(value: string | undefined): number {
  const inHand = positiveInt(value, DEFAULT_DELIVERIES_IN_HAND, 'NOTIFY_IN_HAND_PER_PARTITION');
  if (inHand > MAX_IN_HAND)
    throw new Error(`NOTIFY_IN_HAND_PER_PARTITION must be at most ${MAX_IN_HAND}, got ${inHand}`);
  return inHand;
}

@Module({})
export class NotificationsModule {
  static register(
    infra: ResolvedInfrastructure,
    options: NotificationsOptions = readNotificationsOptions(),
  ): DynamicModule {
    const from = options.mailFrom ?? 'Identity Platform <no-reply@identity-platform.local>';
    const outbox = join(infra.dataDir, 'outbox');
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    const inHand = options.inHandPerPartition ?? DEFAULT_DELIVERIES_IN_HAND;
    return {
      module: NotificationsModule,
      imports: [
        ServiceInfrastructureModule.register(infra, {
          service: 'notifications',
          topics: [
            TOPICS.notificationCommands,
            TOPICS.notificationDeliveries,
            TOPICS.identityUsers,
            TOPICS.membershipOrganizations,
          ],
          readStore: true,
        }),
      ],
      controllers: [DeliveriesController],
      providers: [
        // Past the lease, an attempt that was claiming as the erasure arrived has ended (or lost its claim).
        { provide: ERASURE_SECOND_PASS_MS, useValue: options.erasureSecondPassMs ?? 2 * leaseMs },
        {
          provide: RECIPIENT_KEYS,
          inject: [PERSONAL_DATA],
          useFactory: (personalData: PersonalData): RecipientKeys =>
            new VaultRecipientKeys(personalData.addresses, personalData.vault),
        },
        {
          provide: DELIVERY_LOG,
          inject: [RECIPIENT_KEYS],
          useFactory: (recipientKeys: RecipientKeys): Promise<DeliveryLog> | DeliveryLog => {
            return infra.mongoUrl
              ? MongoDeliveryLog.connect(infra.mongoUrl, recipientKeys, NOTIFICATIONS_DB)
              : new LocalDeliveryLog(
                  options.deliveryLogFile ?? join(infra.dataDir, 'notifications', 'deliveries.jsonl'),
                  undefined,
                  recipientKeys,
                );
          },
        },
        { provide: DELIVERY_RETRY, useValue: busRetryOf(options) },
        { provide: DELIVERIES_IN_HAND, useValue: inHand },
        { provide: MESSAGE_LOCALE, useValue: localeOf(options.locale) },
        { provide: ENABLED_NOTICES, useValue: enabledNotices(options.noticesOff) },
        {
          provide: INVITATION_QUOTA,
          useValue: new InvitationQuota(
            options.invitationsPerHour,
            Date.now,
            options.invitationTextsPerDay,
            options.invitationMailsPerDay,
          ),
        },
        { provide: NOTICE_QUOTA, useValue: new NoticeQuota(options.noticesPerHour) },
        {
          provide: RecipientDirectory,
          inject: [EVENT_STORE_CLIENT, STORED_DATA_PROTECTION],
          useFactory: (client: EventStoreDBClient, protection: StoredDataProtection) =>
            new RecipientDirectory(client, protection),
        },
        Notices,
        {
          provide: Notifier,
          inject: [DELIVERY_LOG, MESSAGE_BUS, PERSONAL_DATA, RecipientDirectory],
          useFactory: (
            log: DeliveryLog,
            bus: MessageBus,
            personalData: PersonalData,
            directory: RecipientDirectory,
          ) => {
            const outcomes = new DeliveryOutcomes(bus, personalData.pseudonyms);
            return new Notifier(
              options.smtpUrl
                ? new SmtpMailTransport(options.smtpUrl, from, Math.floor(leaseMs / 2), inHand)
                : new FileMailTransport(join(outbox, 'email'), from),
              options.smsUrl
                ? new HttpSmsTransport(
                    options.smsUrl,
                    options.smsToken,
                    Math.min(10_000, Math.floor(leaseMs / 2)),
                  )
                : options.smsProviderRequired
                  ? new UnconfiguredSmsTransport()
                  : new FileSmsTransport(join(outbox, 'sms')),
              log,
              {
                leaseMs,
                maxAttempts: options.retry?.maxAttempts ?? 6,
                onSettled: (record) => outcomes.announce(record),
                ids: personalData.pseudonyms,
                noLongerWanted: noLongerWanted(directory),
              },
            );
          },
        },
        DeliveryLifecycle,
        { provide: ADMIN_TOKEN, useFactory: () => loadAdminToken(infra.dataDir) },
        {
          provide: INVITATION_LINKS,
          useFactory: (): InvitationLinks => ({
            tokens: loadInvitationTokens({ dataDir: infra.dataDir }),
            publicUrl: options.publicUrl ?? 'http://127.0.0.1:3000',
          }),
        },
        EmailRequests,
        InvitationMessages,
        ForgetErasedRecipients,
      ],
    };
  }
}

/**
 * The bus retries a deferred delivery with this backoff; it allows one delivery more than the notifier's limit, so a
 * delivery is marked `dead` (and then dead-lettered) by the notifier, never dropped by the bus first.
 */
export function busRetryOf(options: NotificationsOptions): RetryPolicy {
  return {
    maxAttempts: (options.retry?.maxAttempts ?? 6) + 1,
    initialBackoffMs: options.retry?.initialBackoffMs ?? 1_000,
    maxBackoffMs: options.retry?.maxBackoffMs ?? 60_000,
    contendedAttempts: DEFAULT_RETRY_POLICY.contendedAttempts,
  };
}

/** After the consumers stopped (BusSubscriber): the SMTP pool, whose idle connections would hold a server open. */
@Injectable()
class DeliveryLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(DELIVERY_LOG) private readonly log: DeliveryLog,
    private readonly notifier: Notifier,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.notifier.close();
    await this.log.close();
  }
}
