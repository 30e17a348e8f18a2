import { writeFile } from 'node:fs/promises';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  BUNDLE_FORMAT,
  ROLE_DEFAULTS_STREAM,
  CheckpointContinuityError,
  StaleHeadError,
  publicKeyPem,
  publishPublicKey,
  publishedPublicKeys,
  readCheckpoints,
  serializeBundle,
  signSeal,
  writeCheckpoints,
  type AuditSigningKey,
  type BundleCheckpoint,
  type BundleEvent,
  type BundleSeal,
  type SignedCheckpoint,
} from '@app/audit';
import { CHAIN_HASH_FIELD, readStreamEvents } from '@app/event-store';
import { CliError } from './cli-error';
import { organizationStreamOf, readOrganization } from './organization-stream';

export interface ExportSummary {
  readonly events: number;
  readonly checkpoints: number;
  readonly signedUpTo?: string;
  /** Records of the role defaults (R21) the bundle holds, for a roster or `why` from it. */
  readonly roleDefaults: number;
  readonly keyId: string;
  readonly sealed: boolean;
}

/** One stream's part of a bundle. */
interface StreamPart {
  readonly stream: string;
  readonly events: BundleEvent[];
}

/**
 * Writes an organization's stream, its signed checkpoints and the public key to one self-contained file, with the
 * role defaults recorded in the event store (R21: what a member's permissions at an instant rest on) when that stream
 * is chained. With `signWith` (an operator holding the key), the last exported event of each stream is signed as
 * the next checkpoint, which first checks that the stream continues what was signed before, and the bundle is
 * sealed: its streams, event and checkpoint counts signed, so that a shortened copy shows.
 */
export async function exportBundle(
  client: EventStoreDBClient,
  orgId: string,
  out: string,
  signWith?: AuditSigningKey,
): Promise<ExportSummary> {
  const exportedAt = new Date().toISOString();
  let parts: StreamPart[] = [];
  for (let attempt = 1; ; attempt++) {
    parts = [await organizationPart(client, orgId), ...(await roleDefaultsPart(client))];
    try {
      if (signWith) for (const part of parts) await signLastEvent(client, part, signWith);
      break;
    } catch (error) {
      // The checkpointer signed a later head meanwhile: read again, up to it. A broken history is refused.
      if (error instanceof StaleHeadError && attempt < 3) continue;
      if (error instanceof CheckpointContinuityError || error instanceof StaleHeadError)
        throw new CliError(`refused: ${error.message}`, 1);
      throw error;
    }
  }
  const [organization] = parts;
  const stored = await Promise.all(parts.map((part) => readCheckpoints(client, part.stream)));
  const keys = await publishedPublicKeys(client);
  const keyId = signWith?.keyId ?? stored[0]![stored[0]!.length - 1]?.keyId ?? [...keys.keys()].pop();
  // Signing, the bundle carries the signer's own key, whatever the store says under its id.
  const publicKey = signWith
    ? publicKeyPem(signWith.publicKey)
    : keyId === undefined
      ? undefined
      : keys.get(keyId);
  if (!keyId || !publicKey)
    throw new CliError(
      'no signing key is published in this event store: no service has written a checkpoint yet',
      1,
    );
  const signed = parts.map((part, i) =>
    latestRunOf(
      stored[i]!.filter((c) => Number(c.revision) < part.events.length),
      keyId,
    ).map((c): BundleCheckpoint => ({ kind: 'checkpoint', ...c })),
  );
  if (signWith && signed.some((run) => run.length === 0))
    throw new CliError(
      `refused: a stream's head is not signed with key ${signWith.keyId} after signing it`,
      1,
    );
  const seal: BundleSeal | undefined = signWith
    ? signSeal(
        {
          org: orgId,
          exportedAt,
          streams: parts.map((part, i) => ({
            stream: part.stream,
            events: part.events.length,
            firstCheckpoint: signed[i]![0]!.sequence,
            lastCheckpoint: signed[i]!.at(-1)!.sequence,
          })),
        },
        signWith,
      )
    : undefined;
  await writeFile(
    out,
    serializeBundle({
      header: {
        kind: 'bundle',
        format: BUNDLE_FORMAT,
        org: orgId,
        streams: parts.map((part) => part.stream),
        exportedAt,
        publicKey,
        keyId,
      },
      events: parts.flatMap((part) => part.events),
      checkpoints: signed.flat(),
      ...(seal ? { seal } : {}),
    }),
  );
  const last = signed[0]!.at(-1);
  return {
    events: organization!.events.length,
    checkpoints: signed.flat().length,
    roleDefaults: parts[1]?.events.length ?? 0,
    keyId,
    sealed: seal !== undefined,
    ...(last ? { signedUpTo: last.revision } : {}),
  };
}

async function organizationPart(client: EventStoreDBClient, orgId: string): Promise<StreamPart> {
  const stream = organizationStreamOf(orgId);
  const events: BundleEvent[] = [];
  for await (const record of readOrganization(client, orgId))
    events.push({ kind: 'event', stream, revision: record.revision.toString(), ...record.raw });
  return { stream, events };
}

/**
 * The recorded role defaults, if every record is chained (recorded by a release that chains them): a stream with an
 * unchained part could never be proven and would leave the whole bundle unproven, so it is left out and a roster from
 * the bundle is refused.
 */
async function roleDefaultsPart(client: EventStoreDBClient): Promise<StreamPart[]> {
  const events: BundleEvent[] = (await readStreamEvents(client, ROLE_DEFAULTS_STREAM)).flatMap(({ event }) =>
    event
      ? [
          {
            kind: 'event' as const,
            stream: ROLE_DEFAULTS_STREAM,
            revision: event.revision.toString(),
            type: event.type,
            data: event.data,
            metadata: (event.metadata ?? {}) as Record<string, unknown>,
          },
        ]
      : [],
  );
  return events.length > 0 && events.every((e) => typeof e.metadata[CHAIN_HASH_FIELD] === 'string')
    ? [{ stream: ROLE_DEFAULTS_STREAM, events }]
    : [];
}

async function signLastEvent(
  client: EventStoreDBClient,
  part: StreamPart,
  key: AuditSigningKey,
): Promise<void> {
  const last = part.events[part.events.length - 1];
  const hash = last?.metadata[CHAIN_HASH_FIELD];
  if (!last || typeof hash !== 'string')
    throw new CliError(`${part.stream} has no chained event to sign: its history cannot be sealed`, 1);
  await publishPublicKey(client, key);
  await writeCheckpoints(client, [{ stream: part.stream, revision: BigInt(last.revision), hash }], key);
}

/** The unbroken run of checkpoints signed with `keyId` that ends with the last one (earlier keys' are left out). */
function latestRunOf(checkpoints: SignedCheckpoint[], keyId: string): SignedCheckpoint[] {
  let start = checkpoints.length;
  while (start > 0 && checkpoints[start - 1]!.keyId === keyId) start--;
  return checkpoints.slice(start);
}
