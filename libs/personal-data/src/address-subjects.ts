import { createHmac, hkdfSync } from 'node:crypto';

/**
 * People known only by an address (an invitee with no account) get a key of their own, named by a keyed hash of the
 * normalised address: every invitation to one address shares it, the subject name does not spell the address out, and
 * nobody without the master key can test a guess against it.
 */
export class AddressSubjects {
  private readonly hashKey: Buffer;

  constructor(masterKey: Buffer) {
    this.hashKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'address-subjects', 32));
  }

  of(kind: 'email' | 'phone', address: string): string {
    const normalised = kind === 'email' ? address.trim().toLowerCase() : address.trim();
    const digest = createHmac('sha256', this.hashKey).update(`${kind}:${normalised}`).digest();
    return `addr-${digest.subarray(0, 18).toString('base64url')}`;
  }
}
