import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { ServiceInfrastructureModule, type ResolvedInfrastructure } from '@app/platform';
import { InMemoryDeliveryLog } from './delivery/delivery-log';
import { FileMailTransport, SmtpMailTransport } from './delivery/mail-transport';
import { Notifier } from './delivery/notifier';
import { FileSmsTransport, HttpSmsTransport } from './delivery/sms-transport';
import { InvitationTokens, loadInvitationTokenSecret } from '@app/invitation-tokens';
import { EmailRequests } from './requests/email-requests';
import { INVITATION_LINKS, InvitationMessages, type InvitationLinks } from './requests/invitation-messages';

export interface NotificationsOptions {
  /** SMTP URL (e.g. smtp://user:pass@mail:587); absent = `.eml` files under `<DATA_DIR>/outbox/email`. */
  readonly smtpUrl?: string;
  readonly mailFrom?: string;
  /** HTTP SMS provider; absent = `<DATA_DIR>/outbox/sms/sms.jsonl`. */
  readonly smsUrl?: string;
  readonly smsToken?: string;
  /** Base of the links in messages (PUBLIC_URL). */
  readonly publicUrl?: string;
}

export function readNotificationsOptions(env: NodeJS.ProcessEnv = process.env): NotificationsOptions {
  return {
    ...(env.SMTP_URL ? { smtpUrl: env.SMTP_URL } : {}),
    ...(env.MAIL_FROM ? { mailFrom: env.MAIL_FROM } : {}),
    ...(env.SMS_PROVIDER_URL ? { smsUrl: env.SMS_PROVIDER_URL } : {}),
    ...(env.SMS_PROVIDER_TOKEN ? { smsToken: env.SMS_PROVIDER_TOKEN } : {}),
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL.replace(/\/$/, '') } : {}),
  };
}

@Module({})
export class NotificationsModule {
  static register(
    infra: ResolvedInfrastructure,
    options: NotificationsOptions = readNotificationsOptions(),
  ): DynamicModule {
    const from = options.mailFrom ?? 'Identity Platform <no-reply@identity-platform.local>';
    const outbox = join(infra.dataDir, 'outbox');
    return {
      module: NotificationsModule,
      imports: [
        ServiceInfrastructureModule.register(infra, {
          service: 'notifications',
          topics: [TOPICS.notificationCommands, TOPICS.identityUsers, TOPICS.membershipOrganizations],
          readStore: true,
        }),
      ],
      providers: [
        {
          provide: Notifier,
          useFactory: () =>
            new Notifier(
              options.smtpUrl
                ? new SmtpMailTransport(options.smtpUrl, from)
                : new FileMailTransport(join(outbox, 'email'), from),
              options.smsUrl
                ? new HttpSmsTransport(options.smsUrl, options.smsToken)
                : new FileSmsTransport(join(outbox, 'sms')),
              new InMemoryDeliveryLog(),
            ),
        },
        {
          provide: INVITATION_LINKS,
          useFactory: (): InvitationLinks => ({
            tokens: new InvitationTokens(loadInvitationTokenSecret({ dataDir: infra.dataDir })),
            publicUrl: options.publicUrl ?? 'http://127.0.0.1:3000',
          }),
        },
        EmailRequests,
        InvitationMessages,
      ],
    };
  }
}
