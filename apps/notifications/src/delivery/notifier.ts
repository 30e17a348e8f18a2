import { type DeliveryLog } from './delivery-log';
import { type MailTransport } from './mail-transport';
import { type DeliveryReceipt, type OutgoingMessage } from './outgoing-message';
import { type SmsTransport } from './sms-transport';

/** Sends each message at most once per idempotency key; a failed send is released so the bus's retry can send it. */
export class Notifier {
  constructor(
    private readonly mail: MailTransport,
    private readonly sms: SmsTransport,
    private readonly log: DeliveryLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async deliver(message: OutgoingMessage): Promise<DeliveryReceipt | undefined> {
    if (!(await this.log.claim(message.idempotencyKey))) return undefined;
    try {
      const { providerId } =
        message.channel === 'email' ? await this.mail.send(message) : await this.sms.send(message);
      const receipt: DeliveryReceipt = {
        idempotencyKey: message.idempotencyKey,
        channel: message.channel,
        to: message.to,
        transport: message.channel === 'email' ? this.mail.name : this.sms.name,
        ...(providerId ? { providerId } : {}),
        deliveredAt: this.now().toISOString(),
      };
      await this.log.record(receipt);
      return receipt;
    } catch (error) {
      await this.log.release(message.idempotencyKey);
      throw error;
    }
  }
}
