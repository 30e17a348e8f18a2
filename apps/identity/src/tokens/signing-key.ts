import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** An Ed25519 key pair used for EdDSA access tokens, named by its RFC 7638 thumbprint. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export interface SigningKeyConfig {
  /** PKCS#8 PEM of an Ed25519 private key. */
  readonly privateKeyPem?: string;
  /** The same as a private JWK (`kty: OKP, crv: Ed25519, d, x`). */
  readonly privateJwk?: JsonWebKey;
  /** Development only: without a configured key, generate one once and keep it here so restarts keep sessions. */
  readonly dataDir?: string;
}

const KEY_FILE = 'identity-signing-key.jwk.json';

export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error('the access-token key must be an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  return { kid: thumbprint(publicKey), privateKey, publicKey };
}

export function generateSigningKey(): SigningKey {
  return signingKeyFrom(generateKeyPairSync('ed25519').privateKey);
}

/** Configured PEM or JWK first; else the key persisted in the data dir (generated on first start); else a fresh one. */
export function loadSigningKey(config: SigningKeyConfig = {}): SigningKey {
  if (config.privateKeyPem) return signingKeyFrom(createPrivateKey(config.privateKeyPem));
  if (config.privateJwk) return signingKeyFrom(createPrivateKey({ key: config.privateJwk, format: 'jwk' }));
  if (!config.dataDir) return generateSigningKey();
  const file = join(config.dataDir, KEY_FILE);
  if (existsSync(file))
    return signingKeyFrom(
      createPrivateKey({ key: JSON.parse(readFileSync(file, 'utf8')) as JsonWebKey, format: 'jwk' }),
    );
  const key = generateSigningKey();
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(key.privateKey.export({ format: 'jwk' })), { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an OKP public key. */
export function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(canonical).digest('base64url');
}
