import { randomUUID } from 'node:crypto';
import { binaryEvent, jsonEvent } from '@eventstore/db-client';
import { useTestEventStore } from '@app/testing/test-event-store';
import { CliError } from '../scripts/audit/cli-error';
import { readOrganization } from '../scripts/audit/organization-stream';

/**
 * The auditor's reads straight from the store (`history`, `roster`, `why`, `export`) take an organization's stream
 * only as the services write it: from revision 0, a JSON event at every revision. Anything else was written past
 * them and is refused (exit code 1), not read around.
 */
describe('an organization read from the event store by the audit CLI', () => {
  const es = useTestEventStore();
  const metadata = { correlationId: 'c', causationId: 'c', actor: 'owner', schemaVersion: 1, commandId: 'c' };
  const created = (orgId: string) =>
    jsonEvent({
      type: 'OrganizationCreated',
      data: {
        orgId,
        actorId: 'owner',
        at: new Date().toISOString(),
        name: 'Acme',
        ownerId: 'owner',
        plan: 'standard',
      },
      metadata,
    });
  const renamed = (orgId: string, name: string) =>
    jsonEvent({
      type: 'SettingsUpdated',
      data: { orgId, actorId: 'owner', at: new Date().toISOString(), name },
      metadata,
    });
  const read = async (orgId: string) => {
    const revisions: bigint[] = [];
    for await (const record of readOrganization(es.client, orgId, { progress: false }))
      revisions.push(record.revision);
    return revisions;
  };
  const refusal = async (orgId: string) => {
    const error = await read(orgId).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(1);
    return (error as CliError).message;
  };

  it('reads every revision of a stream the services wrote', async () => {
    const orgId = randomUUID();
    await es.client.appendToStream(`organization-${orgId}`, [created(orgId), renamed(orgId, 'Acme 2')]);
    expect(await read(orgId)).toEqual([0n, 1n]);
  });

  it('refuses a stream holding an event that is not JSON, instead of leaving it out', async () => {
    const orgId = randomUUID();
    await es.client.appendToStream(`organization-${orgId}`, [
      created(orgId),
      binaryEvent({ type: 'PermissionsGranted', data: Buffer.from('forged') }),
      renamed(orgId, 'Acme 2'),
    ]);
    expect(await refusal(orgId)).toMatch(/^organization \S+: revision 1 is not a JSON event; /);
  });

  it('refuses a stream whose start was cut off (a $maxCount or truncation set on it)', async () => {
    const orgId = randomUUID();
    const stream = `organization-${orgId}`;
    await es.client.appendToStream(stream, [created(orgId), renamed(orgId, 'A'), renamed(orgId, 'B')]);
    await es.client.setStreamMetadata(stream, { maxCount: 1 });
    expect(await refusal(orgId)).toMatch(/revision 0 is missing \(the stream goes on at 2\)/);
  });
});
