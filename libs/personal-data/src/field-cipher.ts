import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { checkedSubject } from './key-wrapping';

/** Sealed values read `pd1.<subject>.<iv>.<ciphertext and tag>`: versioned, and naming whose key opens them. */
export const SEALED_PREFIX = 'pd1.';
const SEALED = /^pd1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)$/;

export interface SealedValue {
  readonly subject: string;
  readonly iv: Buffer;
  readonly sealed: Buffer;
}

/**
 * AES-256-GCM with a fresh 96-bit IV per value and the subject as additional data, so a value sealed for one person
 * does not open under another's key, and any change to it is detected.
 */
export function sealValue(key: Buffer, subject: string, plaintext: string): string {
  checkedSubject(subject);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(subject));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${SEALED_PREFIX}${subject}.${iv.toString('base64url')}.${body.toString('base64url')}`;
}

export function parseSealed(value: unknown): SealedValue | undefined {
  if (typeof value !== 'string' || !value.startsWith(SEALED_PREFIX)) return undefined;
  const match = SEALED.exec(value);
  if (!match) return undefined;
  return {
    subject: match[1]!,
    iv: Buffer.from(match[2]!, 'base64url'),
    sealed: Buffer.from(match[3]!, 'base64url'),
  };
}

/** Throws when the key is not the subject's or the value was altered. */
export function openValue(key: Buffer, value: SealedValue): string {
  if (value.sealed.length < 16) throw new Error('sealed value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, value.iv);
  decipher.setAAD(Buffer.from(value.subject));
  decipher.setAuthTag(value.sealed.subarray(value.sealed.length - 16));
  return Buffer.concat([
    decipher.update(value.sealed.subarray(0, value.sealed.length - 16)),
    decipher.final(),
  ]).toString('utf8');
}
