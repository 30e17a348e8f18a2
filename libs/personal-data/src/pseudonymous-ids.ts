import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Stable ids for values that name a person (an address in a delivery's id): the same value always gives the same
 * id, but the id is a keyed hash, so nobody without the master key can test a guessed address against it, before or
 * after the person's data is erased. Shaped as a UUID (version 8, RFC 9562), as the contracts expect of ids.
 */
export class PseudonymousIds {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'pseudonymous-ids', 32));
  }

  /** `purpose` keeps the ids of different uses apart: one value gives unrelated ids for two purposes. */
  uuidOf(purpose: string, value: string): string {
    const bytes = this.hmac(purpose, value).subarray(0, 16);
    bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
    bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** The whole keyed hash, base64url (43 characters), e.g. to name a stream. */
  digestOf(purpose: string, value: string): string {
    return this.hmac(purpose, value).toString('base64url');
  }

  private hmac(purpose: string, value: string): Buffer {
    return createHmac('sha256', this.key).update(`${purpose}\0${value}`).digest();
  }
}
