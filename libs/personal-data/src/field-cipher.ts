import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { checkedSubject } from './key-wrapping';

/** Sealed values read `pd1.<subject>.<iv>.<ciphertext and tag>`: versioned, and naming whose key opens them. */
export const SEALED_PREFIX = 'pd1.';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

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
  // pd1.<subject>.<iv: 16 characters>.<ciphertext and tag>, found by its dots (a regular expression costs more, and
  // every sealed field of every event read goes through here).
  const ivStart = value.indexOf('.', SEALED_PREFIX.length) + 1;
  const sealedStart = ivStart + 17;
  if (ivStart <= SEALED_PREFIX.length + 1 || value[sealedStart - 1] !== '.' || sealedStart >= value.length)
    return undefined;
  const subject = value.slice(SEALED_PREFIX.length, ivStart - 1);
  const iv = value.slice(ivStart, sealedStart - 1);
  const sealed = value.slice(sealedStart);
  if (!BASE64URL.test(subject) || !BASE64URL.test(iv) || !BASE64URL.test(sealed)) return undefined;
  return { subject, iv: Buffer.from(iv, 'base64url'), sealed: Buffer.from(sealed, 'base64url') };
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
