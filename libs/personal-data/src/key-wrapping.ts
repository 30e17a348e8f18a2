import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Wraps per-person keys with the master key (AES-256-GCM, the subject as additional data), so a copy of the key store
 * alone opens nothing, and a wrapped key moved to another subject does not unwrap.
 */
export class KeyWrapping {
  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the personal-data master key is 32 bytes');
  }

  wrap(subject: string, key: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(Buffer.from(subject));
    return Buffer.concat([iv, cipher.update(key), cipher.final(), cipher.getAuthTag()]);
  }

  unwrap(subject: string, wrapped: Buffer): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(subject));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
    return Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()]);
  }
}

/** A subject names a file and a document: letters, digits, - and _ only. */
export function checkedSubject(subject: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(subject))
    throw new Error(`a subject is letters, digits, - and _: "${subject}"`);
  return subject;
}
