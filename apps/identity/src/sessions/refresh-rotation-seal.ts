import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A rotation's successor token is kept only sealed, under a key derived from the token that was rotated, which the
 * store never holds (it keeps that token's hash). So the stored rotation gives nothing to whoever reads the store;
 * only a repeat of the request that presents the rotated token can open it.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyOf(rotatedToken: string, commandId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', rotatedToken, commandId, 'refresh-token-successor', 32));
}

export function sealSuccessor(rotatedToken: string, commandId: string, successor: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(rotatedToken, commandId), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** The successor, or undefined when `sealed` was not sealed for this token and command. */
export function openSuccessor(rotatedToken: string, commandId: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv(
    'aes-256-gcm',
    keyOf(rotatedToken, commandId),
    bytes.subarray(0, IV_BYTES),
  );
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}
