import { jsonEvent } from '@eventstore/db-client';
import { ROLE_DEFAULTS_STREAM, readRoleDefaultsHistory, recordRoleDefaults } from '@app/audit';
import { CHAIN_HASH_FIELD, chainHashOf, readStreamEvents } from '@app/event-store';
import { defaultCatalog, extendCatalog, roleDefaultsOf } from '@app/permissions';
import { useTestEventStore } from '@app/testing/test-event-store';

describe('the role defaults membership decides with, recorded in the event store (R21)', () => {
  const eventStore = useTestEventStore();
  const extended = extendCatalog(defaultCatalog, { 'environments.read': { admin: true } });
  const clock = (iso: string) => () => new Date(iso);

  it('are recorded when they change, once however many replicas start together, and read back in order', async () => {
    const { client } = eventStore;
    expect(await readRoleDefaultsHistory(client)).toEqual([]);
    const together = await Promise.all(
      Array.from({ length: 4 }, () =>
        recordRoleDefaults(client, defaultCatalog, clock('2026-01-01T00:00:00.000Z')),
      ),
    );
    expect(together.filter(Boolean)).toHaveLength(1);
    expect(await recordRoleDefaults(client, defaultCatalog)).toBe(false);
    expect(await recordRoleDefaults(client, extended, clock('2026-02-01T00:00:00.000Z'))).toBe(true);
    expect(await recordRoleDefaults(client, extended)).toBe(false);
    // Back to the built-in catalog (the operator's file removed): a change again.
    expect(await recordRoleDefaults(client, defaultCatalog, clock('2026-03-01T00:00:00.000Z'))).toBe(true);
    expect(await readRoleDefaultsHistory(client)).toEqual([
      { since: '2026-01-01T00:00:00.000Z', defaults: roleDefaultsOf(defaultCatalog) },
      { since: '2026-02-01T00:00:00.000Z', defaults: roleDefaultsOf(extended) },
      { since: '2026-03-01T00:00:00.000Z', defaults: roleDefaultsOf(defaultCatalog) },
    ]);
    // Chained as the aggregates' streams are, each record linking to the one before: the audit checkpoints sign its
    // head, and a bundle holding it proves it.
    const stored = await readStreamEvents(client, ROLE_DEFAULTS_STREAM);
    expect(stored).toHaveLength(3);
    let previous: string | undefined;
    for (const { event } of stored) {
      const metadata = event!.metadata as Record<string, unknown>;
      expect(metadata).toMatchObject({ actor: 'system', schemaVersion: 1 });
      const hash = chainHashOf(previous, {
        type: event!.type,
        data: event!.data,
        metadata,
        revision: event!.revision,
      });
      expect(metadata[CHAIN_HASH_FIELD]).toBe(hash);
      previous = hash;
    }
  });

  it('skip an entry that is not one, and still record after it', async () => {
    const { client } = eventStore;
    await client.appendToStream(ROLE_DEFAULTS_STREAM, [
      jsonEvent({ type: 'RoleDefaultsAdopted', data: { owner: 'all', admin: [], user: [], at: 'soon' } }),
      jsonEvent({ type: 'SomethingElse', data: {} }),
    ]);
    const history = await readRoleDefaultsHistory(client);
    expect(history).toHaveLength(3);
    expect(await recordRoleDefaults(client, extended, clock('2026-04-01T00:00:00.000Z'))).toBe(true);
    expect((await readRoleDefaultsHistory(client)).at(-1)).toEqual({
      since: '2026-04-01T00:00:00.000Z',
      defaults: roleDefaultsOf(extended),
    });
  });

  it('never at or before the last record: a replica whose clock is behind records just after it', async () => {
    const { client } = eventStore;
    expect(await recordRoleDefaults(client, defaultCatalog, clock('2026-03-15T00:00:00.000Z'))).toBe(true);
    expect((await readRoleDefaultsHistory(client)).at(-1)).toEqual({
      since: '2026-04-01T00:00:00.001Z',
      defaults: roleDefaultsOf(defaultCatalog),
    });
  });
});
