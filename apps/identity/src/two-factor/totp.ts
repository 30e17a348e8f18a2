import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSync, verifySync } from '@otplib/totp';
import { generateTOTP } from '@otplib/uri';
import type { Base32Plugin, CryptoPlugin } from '@otplib/core';

/*
 * otplib 13's defaults (`otplib`) pull in @noble/@scure, which are ESM-only and cannot load under our CommonJS Jest;
 * its TOTP engine takes crypto and base32 as plugins, so we hand it node:crypto and an RFC 4648 base32 codec.
 */
const nodeCrypto: CryptoPlugin = {
  name: 'node-crypto',
  hmac: (algorithm, key, data) => new Uint8Array(createHmac(algorithm, key).update(data).digest()),
  randomBytes: (length) => new Uint8Array(randomBytes(length)),
  constantTimeEqual: (a, b) => {
    const left = typeof a === 'string' ? Buffer.from(a) : Buffer.from(a);
    const right = typeof b === 'string' ? Buffer.from(b) : Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
  },
};

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const base32: Base32Plugin = {
  name: 'rfc4648-base32',
  encode: (data) => {
    let bits = 0;
    let value = 0;
    let out = '';
    for (const byte of data) {
      value = (value << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        out += ALPHABET[(value >>> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
    return out;
  },
  decode: (text) => {
    const clean = text.toUpperCase().replace(/=+$/, '').replace(/\s/g, '');
    const bytes: number[] = [];
    let bits = 0;
    let value = 0;
    for (const char of clean) {
      const index = ALPHABET.indexOf(char);
      if (index < 0) throw new Error('invalid base32');
      value = (value << 5) | index;
      bits += 5;
      if (bits >= 8) {
        bytes.push((value >>> (bits - 8)) & 255);
        bits -= 8;
      }
    }
    return new Uint8Array(bytes);
  },
};

export const TOTP_PERIOD_SECONDS = 30;

/** 160-bit secret (RFC 4226 recommends at least 128), base32 as authenticator apps expect. */
export function generateTotpSecret(): string {
  return base32.encode(new Uint8Array(randomBytes(20)));
}

export function totpCode(secret: string, epochSeconds: number): string {
  return generateSync({ secret, epoch: epochSeconds, crypto: nodeCrypto, base32 });
}

/** The matched time step, or undefined when the code is not valid within ±toleranceSeconds. */
export function verifyTotp(
  secret: string,
  code: string,
  epochSeconds: number,
  toleranceSeconds: number,
): number | undefined {
  const result = verifySync({
    secret,
    token: code,
    epoch: epochSeconds,
    epochTolerance: toleranceSeconds,
    crypto: nodeCrypto,
    base32,
  });
  return result.valid ? Math.floor(epochSeconds / TOTP_PERIOD_SECONDS) + result.delta : undefined;
}

export function totpUri(issuer: string, label: string, secret: string): string {
  return generateTOTP({ issuer, label, secret });
}
