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
  private readonly otherKeys: readonly Buffer[];

  /**
   * Links are made with `secret`; `otherSecrets` are accepted too, for a rotation without broken links: the next
   * secret while every service learns it, then the previous one until the links it made have expired.
   */
  constructor(secret: string | Buffer, otherSecrets: readonly (string | Buffer)[] = []) {
    [this.key, ...this.otherKeys] = [secret, ...otherSecrets].map((s) => {
      const key = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
      if (key.length < MIN_SECRET_BYTES)
        throw new Error(`invitation token secret must be at least ${MIN_SECRET_BYTES} bytes`);
      return key;
    }) as [Buffer, ...Buffer[]];
  }

  issue(claims: InvitationTokenClaims): string {
    if (claims.invitationId.includes('.')) throw new Error('invitation id must not contain "."');
    const body = `${claims.invitationId}.${claims.sendSequence}`;
    return `${body}.${mac(this.key, body)}`;
  }

  /** The claims of a well-formed, authentic token; undefined for anything else. Whether it is current is the caller's. */
  verify(token: string): InvitationTokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [invitationId, sequence, tag] = parts as [string, string, string];
    if (!invitationId || !/^\d{1,9}$/.test(sequence)) return undefined;
    const given = Buffer.from(tag);
    const authentic = [this.key, ...this.otherKeys].some((key) => {
      const expected = Buffer.from(mac(key, `${invitationId}.${sequence}`));
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    return authentic ? { invitationId, sendSequence: Number(sequence) } : undefined;
  }
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}
