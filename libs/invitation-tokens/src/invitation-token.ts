import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Invitation links carry `<invitationId>.<sendSequence>.<mac>`, mac = HMAC-SHA256(secret, id.sequence). No secret is
 * ever stored in an event: the membership service (which verifies) and the notifications service (which renders the
 * link from the InvitationSent event) share the key. A resend bumps `sendSequence`, so the previous link stops
 * working (R5) without having to store anything.
 */
export interface InvitationTokenClaims {
  readonly invitationId: string;
  readonly sendSequence: number;
}

const MIN_SECRET_BYTES = 32;

export class InvitationTokens {
  private readonly key: Buffer;

  constructor(secret: string | Buffer) {
    this.key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (this.key.length < MIN_SECRET_BYTES) {
      throw new Error(`invitation token secret must be at least ${MIN_SECRET_BYTES} bytes`);
    }
  }

  issue(claims: InvitationTokenClaims): string {
    if (claims.invitationId.includes('.')) throw new Error('invitation id must not contain "."');
    const body = `${claims.invitationId}.${claims.sendSequence}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a well-formed, authentic token; undefined for anything else. Whether it is current is the caller's. */
  verify(token: string): InvitationTokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [invitationId, sequence, mac] = parts as [string, string, string];
    if (!invitationId || !/^\d{1,9}$/.test(sequence)) return undefined;
    const expected = Buffer.from(this.mac(`${invitationId}.${sequence}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { invitationId, sendSequence: Number(sequence) };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
