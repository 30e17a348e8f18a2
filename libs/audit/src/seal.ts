import { type KeyObject } from 'node:crypto';
import { type BundleSeal } from './bundle';
import { signatureOf, signatureValid } from './checkpoints';
import { type AuditSigningKey } from './signing-key';

type SealContent = Omit<BundleSeal, 'kind' | 'signature' | 'keyId'>;

export function signSeal(content: SealContent, key: AuditSigningKey): BundleSeal {
  const signed = { ...content, keyId: key.keyId };
  return { kind: 'seal', ...signed, signature: signatureOf(signed, key) };
}

export function sealSignatureValid(seal: BundleSeal, publicKey: KeyObject): boolean {
  const { kind: _kind, signature, ...signed } = seal;
  return signatureValid(signed, signature, publicKey);
}
