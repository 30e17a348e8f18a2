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
    return `${PREFIX}${digest.subarray(0, 18).toString('base64url')}`;
  }

  /**
   * The address subject a key id belongs to: once an address's key is erased, the next one it gets is a new generation
   * (`<subject>-g2`, see `PersonalDataVault.liveGeneration`). Any other key id (a user's) is answered as it is.
   */
  static subjectOf(keyId: string): string {
    return keyId.startsWith(PREFIX) && keyId.length > SUBJECT_LENGTH ? keyId.slice(0, SUBJECT_LENGTH) : keyId;
  }
}

const PREFIX = 'addr-';
/** The prefix and 18 bytes in base64url. */
const SUBJECT_LENGTH = PREFIX.length + 24;
