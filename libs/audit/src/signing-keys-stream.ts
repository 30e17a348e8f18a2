import { jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { readStreamEvents } from '@app/event-store';
import { keyIdOf, publicKeyPem, readPublicKey, type AuditSigningKey } from './signing-key';

function fingerprintOf(pem: string): string | undefined {
  try {
    return keyIdOf(readPublicKey(pem));
  } catch {
    return undefined;
  }
}

/** The public keys checkpoints were signed with, by key id: what `export` puts in a bundle. */
export const SIGNING_KEYS_STREAM = 'audit-signing-keys';
const PUBLISHED = 'AuditSigningKeyPublished';

export async function publishedPublicKeys(client: EventStoreDBClient): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const resolved of await readStreamEvents(client, SIGNING_KEYS_STREAM)) {
    const data = resolved.event?.data as { keyId?: string; publicKey?: string } | undefined;
    if (resolved.event?.type !== PUBLISHED || !data?.keyId || !data.publicKey || keys.has(data.keyId))
      continue;
    // An id is the key's own fingerprint: an entry naming another key's id, or repeating one, is ignored.
    if (fingerprintOf(data.publicKey) === data.keyId) keys.set(data.keyId, data.publicKey);
  }
  return keys;
}

/** Records the public key of `key` once, so auditors' exports can carry it without access to the private key. */
export async function publishPublicKey(client: EventStoreDBClient, key: AuditSigningKey): Promise<void> {
  if ((await publishedPublicKeys(client)).has(key.keyId)) return;
  await client.appendToStream(
    SIGNING_KEYS_STREAM,
    jsonEvent({
      type: PUBLISHED,
      data: { keyId: key.keyId, publicKey: publicKeyPem(key.publicKey), at: new Date().toISOString() },
    }),
  );
}
