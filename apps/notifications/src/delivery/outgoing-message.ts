/** What a message is about, named in the delivery's outcome event (never the address or the text). */
export interface MessageSubject {
  readonly orgId?: string;
  readonly invitationId?: string;
  readonly userId?: string;
}

/** A message to one recipient, already rendered. Channel decides the transport. */
export interface OutgoingEmail {
  readonly channel: 'email';
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** Stable id of what caused it (event id + purpose): a redelivered event sends nothing twice. */
  readonly idempotencyKey: string;
  readonly about?: MessageSubject;
}

export interface OutgoingSms {
  readonly channel: 'sms';
  readonly to: string;
  readonly text: string;
  readonly idempotencyKey: string;
  readonly about?: MessageSubject;
}

export type OutgoingMessage = OutgoingEmail | OutgoingSms;

export interface DeliveryReceipt {
  readonly idempotencyKey: string;
  readonly channel: OutgoingMessage['channel'];
  readonly to: string;
  readonly transport: string;
  readonly providerId?: string;
  readonly deliveredAt: string;
}
