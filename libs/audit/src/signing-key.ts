import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { loadSharedSecret } from '@app/platform';

export interface AuditSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly keyId: string;
  /**
   * The keys that signed before this one (`AUDIT_SIGNING_KEYS_RETIRED`), by key id: a signer trusts checkpoints signed
   * with this key or one of these, never a key it only finds published in the store, where anyone who can write to the
   * store could put one.
   */
  readonly retired?: ReadonlyMap<string, KeyObject>;
}

/**
 * The Ed25519 key that signs chain checkpoints: `AUDIT_SIGNING_KEY_PEM` (PKCS#8), or on the embedded default one
 * generated once under `<dataDir>/secrets/audit-signing-key.pem`. Only the services that write checkpoints (and an
 * operator's on-demand `audit checkpoint`) hold it; auditors need only the public key.
 */
export function loadAuditSigningKey(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
  options: { generate?: boolean } = {},
): AuditSigningKey {
  const file = 'audit-signing-key.pem';
  // An operator's tool must sign with the services' key or not at all: a key made up on the spot signs nothing anyone
  // trusts, and would be published next to the real one.
  if (options.generate === false && !env.AUDIT_SIGNING_KEY_PEM && !existsSync(join(dataDir, 'secrets', file)))
    throw new Error(
      `no audit signing key: set AUDIT_SIGNING_KEY_PEM (or run where the services keep ${join(dataDir, 'secrets', file)})`,
    );
  const pem = loadSharedSecret({
    variable: 'AUDIT_SIGNING_KEY_PEM',
    file,
    dataDir,
    env,
    generate: () =>
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem.replace(/\\n/g, '\n'));
  } catch {
    throw new Error('AUDIT_SIGNING_KEY_PEM is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error('AUDIT_SIGNING_KEY_PEM must be an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), retired: retiredKeys(env) };
}

/** `AUDIT_SIGNING_KEYS_RETIRED`: the public keys (PEM, one after another) that signed checkpoints before the current one. */
export function retiredKeys(env: NodeJS.ProcessEnv = process.env): ReadonlyMap<string, KeyObject> {
  const raw = (env.AUDIT_SIGNING_KEYS_RETIRED ?? '').replace(/\\n/g, '\n');
  const pems = raw.match(PUBLIC_KEY_PEM) ?? [];
  if (pems.length === 0 && raw.trim() !== '')
    throw new Error(
      'AUDIT_SIGNING_KEYS_RETIRED holds no public key (PEM "-----BEGIN PUBLIC KEY-----" blocks)',
    );
  const keys = new Map<string, KeyObject>();
  for (const pem of pems) {
    let key: KeyObject;
    try {
      key = readPublicKey(pem);
    } catch {
      throw new Error('AUDIT_SIGNING_KEYS_RETIRED holds something that is not an Ed25519 public key (PEM)');
    }
    keys.set(keyIdOf(key), key);
  }
  return keys;
}

const PUBLIC_KEY_PEM = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/** A public key's fingerprint: the first 16 bytes of the SHA-256 of its DER form, hex. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 32);
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export function readPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 public key');
  return key;
}
