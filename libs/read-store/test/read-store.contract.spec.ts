import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  InMemoryReadStore,
  MongoReadStore,
  RebuildSuperseded,
  type ReadFilter,
  type ReadStore,
} from '@app/read-store';
import { describeIf, infraEnv } from '@app/testing';

interface Member {
  _id: string;
  revision: number;
  orgId: string;
  name: string;
  email: string;
  role: 'owner' | 'admin' | 'user';
  schedulable: boolean;
  teamIds: string[];
  contact?: { person: boolean };
}

const adapters: [string, () => Promise<ReadStore>][] = [['in-memory', async () => new InMemoryReadStore()]];
if (infraEnv.mongoUrl) {
  const url = infraEnv.mongoUrl;
  adapters.push(['mongodb', () => MongoReadStore.connect(url, `contract_${randomUUID().slice(0, 8)}`)]);
}

const member = (id: string, revision: number, extra: Partial<Member> = {}): Member => ({
  _id: id,
  revision,
  orgId: 'org-1',
  name: `Member ${id}`,
  email: `${id}@example.com`,
  role: 'user',
  schedulable: false,
  teamIds: [],
  ...extra,
});

describe.each(adapters)('ReadStore contract: %s', (_name, open) => {
  let store: ReadStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    if (store instanceof MongoReadStore) await store.connection.dropDatabase();
    await store.close();
  });
  const fresh = () => store.collection<Member>(`members_${randomUUID().slice(0, 8)}`);

  it('applies a newer revision and skips an older or equal one (replays and duplicates are harmless)', async () => {
    const members = fresh();
    expect(await members.upsertIfNewer(member('a', 2, { role: 'admin' }))).toBe(true);
    expect(await members.upsertIfNewer(member('a', 1, { role: 'user' }))).toBe(false);
    expect(await members.upsertIfNewer(member('a', 2, { role: 'user' }))).toBe(false);
    expect((await members.get('a'))?.role).toBe('admin');
    expect(await members.upsertIfNewer(member('a', 3, { role: 'user' }))).toBe(true);
    expect(await members.get('a')).toMatchObject({ revision: 3, role: 'user' });
  });

  it('writes a batch of upserts and deletions in one call, each guarded by its revision like a single write', async () => {
    const members = fresh();
    await members.upsertIfNewer(member('kept', 5, { role: 'admin' }));
    await members.upsertIfNewer(member('gone', 1));
    await members.writeMany([
      { upsert: member('kept', 4, { role: 'user' }) },
      { upsert: member('new', 1, { role: 'admin' }) },
      { upsert: member('older', 3) },
      { delete: 'gone', revision: 2 },
      { delete: 'kept', revision: 5 },
    ]);
    expect(await members.get('kept')).toMatchObject({ revision: 5, role: 'admin' });
    expect(await members.get('new')).toMatchObject({ revision: 1, role: 'admin' });
    expect(await members.get('gone')).toBeNull();
    // the deletion left its tombstone: an older write cannot bring the document back
    await members.writeMany([{ upsert: member('gone', 1) }]);
    expect(await members.get('gone')).toBeNull();
    expect(
      (await members.find({ where: { orgId: 'org-1' } }, { limit: 10 })).items.map((m) => m._id),
    ).toEqual(['kept', 'new', 'older']);
    await members.writeMany([]);
    expect(await members.count({ where: { orgId: 'org-1' } })).toBe(3);
  });

  it('neither the writer nor a reader can change a stored document through the objects they hold', async () => {
    const members = fresh();
    const written = member('a', 1, { teamIds: ['t1'] });
    await members.upsertIfNewer(written);
    try {
      written.teamIds.push('t2');
    } catch {
      // a store may keep the written document itself, frozen: the writer's change is refused, not shared
    }
    const read = (await members.get('a'))!;
    const page = await members.find({ where: { orgId: 'org-1' } }, { limit: 10 });
    for (const doc of [read, page.items[0]!]) {
      try {
        doc.teamIds.push('t3');
        doc.name = 'changed';
      } catch {
        // a store may hand out frozen documents; refusing the change is as good as not sharing it
      }
    }
    expect(await members.get('a')).toMatchObject({ name: 'Member a', teamIds: ['t1'] });
  });

  it('filters by ordered ranges (ISO instants, numbers), combined with equality', async () => {
    const members = fresh();
    const at = (day: number) => `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;
    for (const [id, day] of [
      ['a', 1],
      ['b', 5],
      ['c', 9],
    ] as const)
      await members.upsertIfNewer({ ...member(id, day), name: at(day) });
    const ids = async (where: Record<string, unknown>) =>
      (await members.find({ where: where as never }, { limit: 10 })).items.map((m) => m._id);
    expect(await ids({ name: { $lte: at(5) } })).toEqual(['a', 'b']);
    expect(await ids({ name: { $gt: at(1), $lt: at(9) } })).toEqual(['b']);
    expect(await ids({ revision: { $gte: 5 }, orgId: 'org-1' })).toEqual(['b', 'c']);
    expect(await ids({ revision: { $gte: 5 }, orgId: 'org-2' })).toEqual([]);
  });

  it('updateMany sets fields on every match, whatever its revision, and nothing else', async () => {
    const members = fresh();
    await members.upsertIfNewer(member('a', 7, { email: 'x@example.com' }));
    await members.upsertIfNewer(member('b', 3, { email: 'x@example.com' }));
    await members.upsertIfNewer(member('c', 1, { email: 'other@example.com' }));
    expect(await members.updateMany({ where: { email: 'x@example.com' } }, { name: 'Renamed' })).toBe(2);
    expect(await members.get('a')).toMatchObject({ name: 'Renamed', revision: 7 });
    expect(await members.get('b')).toMatchObject({ name: 'Renamed', revision: 3 });
    expect((await members.get('c'))?.name).toBe('Member c');
  });

  it('updateMany removes a field set to undefined, and only on the matches', async () => {
    const members = fresh();
    await members.upsertIfNewer(member('a', 2, { email: 'x@example.com', name: 'Ada' }));
    await members.upsertIfNewer(member('b', 2, { email: 'y@example.com', name: 'Bob' }));
    expect(await members.updateMany({ where: { email: 'x@example.com' } }, { email: undefined })).toBe(1);
    const a = await members.get('a');
    expect(a && 'email' in a).toBe(false);
    expect(a).toMatchObject({ name: 'Ada', revision: 2 });
    expect(await members.count({ where: { email: { $exists: true } } })).toBe(1);
    await members.updateMany({ where: { _id: 'b' } }, { email: undefined, name: 'Robert' });
    expect(await members.get('b')).toMatchObject({ name: 'Robert' });
    expect(await members.count({ where: { email: { $exists: true } } })).toBe(0);
  });

  it('updateMany sets or removes a field inside an embedded object by its dotted path, leaving its siblings', async () => {
    const members = fresh();
    await members.upsertIfNewer(member('a', 2, { contact: { person: true } }));
    await members.upsertIfNewer(member('b', 2));
    const matching = { where: { 'contact.person': true } };
    expect(await members.updateMany(matching, { 'contact.since': '2026-01-01', name: 'Ada' })).toBe(1);
    expect(await members.get('a')).toMatchObject({
      contact: { person: true, since: '2026-01-01' },
      name: 'Ada',
      revision: 2,
    });
    expect(await members.get('b')).not.toHaveProperty('contact');
    await members.updateMany(matching, { 'contact.since': undefined });
    expect((await members.get('a'))!.contact).toEqual({ person: true });
    expect(await members.count({ where: { 'contact.since': { $exists: true } } })).toBe(0);
    // Removing inside a parent that is not there makes none.
    await members.updateMany({ where: { _id: 'b' } }, { 'contact.since': undefined });
    expect(await members.get('b')).not.toHaveProperty('contact');
    // A parent that is no object, or a path set beside its own parent, is refused, and nothing changes.
    await expect(members.updateMany({ where: { _id: 'a' } }, { 'name.first': 'Ada' })).rejects.toThrow();
    await expect(
      members.updateMany({ where: { _id: 'a' } }, { contact: { person: false }, 'contact.since': 'x' }),
    ).rejects.toThrow();
    expect(await members.get('a')).toMatchObject({ name: 'Ada', contact: { person: true } });
  });

  it('50 racing upserts with random revisions end at the highest revision', async () => {
    const members = fresh();
    const revisions = Array.from({ length: 50 }, () => 1 + Math.floor(Math.random() * 1000));
    await Promise.all(revisions.map((r) => members.upsertIfNewer(member('race', r, { name: `rev ${r}` }))));
    const max = Math.max(...revisions);
    expect(await members.get('race')).toMatchObject({ revision: max, name: `rev ${max}` });
  });

  it('deletes with a tombstone that a late, older upsert cannot resurrect', async () => {
    const members = fresh();
    await members.upsertIfNewer(member('gone', 1));
    expect(await members.deleteIfNewer('gone', 3)).toBe(true);
    expect(await members.get('gone')).toBeNull();
    expect(await members.upsertIfNewer(member('gone', 2))).toBe(false);
    expect(await members.get('gone')).toBeNull();
    expect(await members.count({})).toBe(0);
    expect(await members.upsertIfNewer(member('gone', 4))).toBe(true);
    expect(await members.get('gone')).not.toBeNull();
  });

  it('tells the revision a document was written or deleted at, and never-written from deleted', async () => {
    const members = fresh();
    expect(await members.revisionOf('m')).toBeNull();
    await members.upsertIfNewer(member('m', 2));
    expect(await members.revisionOf('m')).toEqual({ revision: 2, deleted: false });
    await members.deleteIfNewer('m', 5);
    expect(await members.revisionOf('m')).toEqual({ revision: 5, deleted: true });
  });

  it('filters by equality, array contains, $in, $ne, $exists, nested paths and case-insensitive search', async () => {
    const members = fresh();
    await members.upsertIfNewer(
      member('m1', 1, {
        role: 'owner',
        schedulable: true,
        teamIds: ['t1'],
        name: 'Ada Lovelace',
        contact: { person: true },
      }),
    );
    await members.upsertIfNewer(
      member('m2', 1, { role: 'admin', teamIds: ['t1', 't2'], name: 'Grace Hopper' }),
    );
    await members.upsertIfNewer(member('m3', 1, { role: 'user', schedulable: true, name: 'Alan Turing' }));
    await members.upsertIfNewer(member('m4', 1, { role: 'user', orgId: 'org-2', name: 'Other Tenant' }));
    const ids = async (filter: Parameters<typeof members.count>[0]) =>
      (await members.find(filter, { limit: 100 })).items.map((m) => m._id);
    expect(await ids({ where: { orgId: 'org-1', role: 'user' } })).toEqual(['m3']);
    expect(await ids({ where: { teamIds: 't1' } })).toEqual(['m1', 'm2']);
    expect(await ids({ where: { role: { $in: ['owner', 'admin'] } } })).toEqual(['m1', 'm2']);
    expect(await ids({ where: { orgId: 'org-1', role: { $ne: 'user' } } })).toEqual(['m1', 'm2']);
    expect(await ids({ where: { contact: { $exists: true } } })).toEqual(['m1']);
    expect(await ids({ where: { 'contact.person': true } })).toEqual(['m1']);
    expect(await ids({ where: { schedulable: true, orgId: 'org-1' } })).toEqual(['m1', 'm3']);
    expect(await ids({ search: { text: 'HOP', fields: ['name', 'email'] } })).toEqual(['m2']);
    expect(await ids({ search: { text: 'm3@', fields: ['name', 'email'] } })).toEqual(['m3']);
    expect(await ids({ search: { text: 'a.c', fields: ['name'] } })).toEqual([]);
    expect(await members.count({ where: { orgId: 'org-1' } })).toBe(3);
    // By id: one, several (unknown ones ignored), with further conditions, and after a cursor.
    expect(await ids({ where: { _id: 'm2' } })).toEqual(['m2']);
    expect(await ids({ where: { _id: { $in: ['m4', 'm1', 'nobody'] } } })).toEqual(['m1', 'm4']);
    expect(
      await ids({ where: { _id: { $in: ['m1', 'm3', 'm4'] }, orgId: 'org-1', schedulable: true } }),
    ).toEqual(['m1', 'm3']);
    const first = await members.find({ where: { _id: { $in: ['m1', 'm2', 'm3'] } } }, { limit: 2 });
    expect(first.items.map((m) => m._id)).toEqual(['m1', 'm2']);
    const rest = await members.find(
      { where: { _id: { $in: ['m1', 'm2', 'm3'] } } },
      { limit: 2, cursor: first.nextCursor! },
    );
    expect(rest.items.map((m) => m._id)).toEqual(['m3']);
  });

  it('paginates with a cursor: every item exactly once, no cursor after the last page', async () => {
    const members = fresh();
    for (let i = 0; i < 23; i++) await members.upsertIfNewer(member(`p${String(i).padStart(2, '0')}`, 1));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await members.find({}, { limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((m) => m._id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `p${String(i).padStart(2, '0')}`));
  });

  it('pages within an _id range: bounds inclusive or not, with a cursor, with other filters, empty when crossed', async () => {
    const members = fresh();
    for (let i = 0; i < 30; i++)
      await members.upsertIfNewer(
        member(`r${String(i).padStart(2, '0')}`, 1, { role: i % 3 === 0 ? 'admin' : 'user' }),
      );
    const ids = async (filter: ReadFilter, limit = 4) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await members.find(filter, { limit, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((m) => m._id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    const names = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `r${String(from + i).padStart(2, '0')}`);
    expect(await ids({ where: { _id: { $gte: 'r05', $lte: 'r14' } } })).toEqual(names(5, 14));
    expect(await ids({ where: { _id: { $gt: 'r05', $lt: 'r14' } } })).toEqual(names(6, 13));
    // Bounds that are no stored id, and one side only.
    expect(await ids({ where: { _id: { $gte: 'r05x', $lt: 'r08x' } } })).toEqual(names(6, 8));
    expect(await ids({ where: { _id: { $gte: 'r27' } } })).toEqual(names(27, 29));
    expect(await ids({ where: { _id: { $lte: 'r02' } } })).toEqual(names(0, 2));
    expect(await ids({ where: { _id: { $gte: 'r03', $lte: 'r20' }, role: 'admin' } }, 2)).toEqual([
      'r03',
      'r06',
      'r09',
      'r12',
      'r15',
      'r18',
    ]);
    expect(await ids({ where: { _id: { $gte: 'r20', $lte: 'r10' } } })).toEqual([]);
    // A cursor from before the range starts at the range; one past it ends the list.
    const first = await members.find({}, { limit: 2 });
    expect(
      (
        await members.find({ where: { _id: { $gte: 'r10' } } }, { limit: 3, cursor: first.nextCursor! })
      ).items.map((m) => m._id),
    ).toEqual(names(10, 12));
  });

  it('stores and loads checkpoints', async () => {
    const name = `projector-${randomUUID()}`;
    expect(await store.checkpoints.load(name)).toBeUndefined();
    await store.checkpoints.save(name, '100/100');
    await store.checkpoints.save(name, '250/250');
    expect(await store.checkpoints.load(name)).toBe('250/250');
  });

  it('rebuilds into a fresh collection: readers see the old data until the swap, then the new', async () => {
    const name = `roster_${randomUUID().slice(0, 8)}`;
    const live = store.collection<Member>(name);
    await live.upsertIfNewer(member('old', 1));
    const rebuild = await store.beginRebuild<Member>(name);
    await rebuild.collection.upsertIfNewer(member('new', 1));
    expect(await live.get('old')).not.toBeNull();
    expect(await live.get('new')).toBeNull();
    await rebuild.swap();
    const after = store.collection<Member>(name);
    expect(await after.get('new')).not.toBeNull();
    expect(await after.get('old')).toBeNull();
  });

  it('switches several rebuilt collections over together', async () => {
    const names = [0, 1, 2].map(() => `together_${randomUUID().slice(0, 8)}`);
    for (const name of names) await store.collection<Member>(name).upsertIfNewer(member('old', 1));
    const rebuilds = await Promise.all(names.map((name) => store.beginRebuild<Member>(name)));
    for (const rebuild of rebuilds) await rebuild.collection.upsertIfNewer(member('new', 1));
    await store.swapTogether(rebuilds as never[]);
    for (const name of names) {
      expect(await store.collection<Member>(name).get('new')).not.toBeNull();
      expect(await store.collection<Member>(name).get('old')).toBeNull();
    }
  });

  it('refuses the switch-over of a rebuild begun before another one switched, and keeps the other', async () => {
    const names = [0, 1].map(() => `superseded_${randomUUID().slice(0, 8)}`);
    const earlier = await Promise.all(names.map((name) => store.beginRebuild<Member>(name)));
    const later = await Promise.all(names.map((name) => store.beginRebuild<Member>(name)));
    for (const rebuild of earlier) await rebuild.collection.upsertIfNewer(member('earlier', 1));
    for (const rebuild of later) await rebuild.collection.upsertIfNewer(member('later', 1));
    await store.swapTogether(later as never[]);
    await expect(store.swapTogether(earlier as never[])).rejects.toThrow(RebuildSuperseded);
    await expect(earlier[0]!.swap()).rejects.toThrow(RebuildSuperseded);
    // Aborting the refused one leaves the live collections alone, aborting the switched one too.
    for (const rebuild of [...earlier, ...later]) await rebuild.abort();
    for (const name of names) {
      expect(await store.collection<Member>(name).get('later')).not.toBeNull();
      expect(await store.collection<Member>(name).get('earlier')).toBeNull();
    }
    // A rebuild begun after that switch-over switches in its turn.
    const next = await store.beginRebuild<Member>(names[0]!);
    await next.collection.upsertIfNewer(member('next', 1));
    await next.swap();
    expect(await store.collection<Member>(names[0]!).get('next')).not.toBeNull();
  });

  it('searches case-insensitively for a piece of any searched field, while documents are renamed and removed', async () => {
    const members = fresh();
    const people: [string, string, string][] = [
      ['p1', 'Ada Lovelace', 'ada@example.com'],
      ['p2', 'Adam Smith', 'adam@work.test'],
      ['p3', 'Grace Hopper', 'grace@example.com'],
      ['p4', 'Ünïcode Person', 'u@example.com'],
      ['p5', 'Bob', 'bob@elsewhere.test'],
    ];
    for (const [id, name, email] of people) await members.upsertIfNewer(member(id, 1, { name, email }));
    await members.upsertIfNewer(member('p3', 2, { name: 'Grace Brewster', email: 'grace@example.com' }));
    await members.updateMany({ where: { email: 'bob@elsewhere.test' } }, { name: 'Robert' });
    await members.deleteIfNewer('p2', 2);
    const now: Record<string, [string, string]> = {
      p1: ['Ada Lovelace', 'ada@example.com'],
      p3: ['Grace Brewster', 'grace@example.com'],
      p4: ['Ünïcode Person', 'u@example.com'],
      p5: ['Robert', 'bob@elsewhere.test'],
    };
    for (const text of [
      'ada',
      'ADA',
      'a',
      'love',
      'hopper',
      'brew',
      'example.com',
      'ünï',
      'bob',
      'robert',
      'zzz',
      'ace l',
    ]) {
      const expected = Object.keys(now).filter((id) =>
        now[id]!.some((value) => value.toLowerCase().includes(text.toLowerCase())),
      );
      const found = await members.find(
        { where: { orgId: 'org-1' }, search: { text, fields: ['name', 'email'] } },
        { limit: 10 },
      );
      expect({ text, ids: found.items.map((m) => m._id) }).toEqual({ text, ids: expected });
    }
  });

  it('an indexed collection answers exactly as a scan does, while documents move between index keys', async () => {
    const name = `indexed_${randomUUID().slice(0, 8)}`;
    const indexed = store.collection<Member>(name, {
      indexes: [['orgId'], ['orgId', 'role'], ['orgId', 'teamIds'], ['orgId', 'schedulable']],
    });
    const scanned = fresh();
    const both = async (write: (c: typeof indexed) => Promise<unknown>) => {
      await write(indexed);
      await write(scanned);
    };
    for (let i = 0; i < 30; i++)
      await both((c) =>
        c.upsertIfNewer(
          member(`m${String(i).padStart(2, '0')}`, 1, {
            orgId: i % 3 === 0 ? 'org-2' : 'org-1',
            role: i % 4 === 0 ? 'admin' : 'user',
            schedulable: i % 2 === 0,
            teamIds: i % 5 === 0 ? ['t1', 't2'] : ['t2'],
          }),
        ),
      );
    // Moves between keys: a role change, a team change, a removal, a bulk change.
    await both((c) => c.upsertIfNewer(member('m01', 2, { role: 'admin', teamIds: ['t1'] })));
    await both((c) => c.deleteIfNewer('m02', 2));
    await both((c) => c.updateMany({ where: { orgId: 'org-1', role: 'admin' } }, { schedulable: true }));
    // A document without an indexed field: found by a lookup of null all the same.
    await both((c) => c.updateMany({ where: { _id: 'm04' } }, { role: undefined }));

    const filters: ReadFilter[] = [
      { where: { orgId: 'org-1', role: null } },
      { where: { orgId: 'org-1', role: { $exists: false } } },
      { where: { orgId: 'org-1' } },
      { where: { orgId: 'org-1', role: 'admin' } },
      { where: { orgId: 'org-1', teamIds: 't1' } },
      { where: { orgId: 'org-1', schedulable: true, role: 'user' } },
      { where: { orgId: 'org-2', teamIds: 't1' } },
      { where: { orgId: 'org-3' } },
      { where: { orgId: 'org-1', role: 'admin' }, search: { text: 'member m0', fields: ['name'] } },
      // Lists of values ($in), in one field of an index or in two, on an array field, and with nothing there.
      { where: { orgId: 'org-1', role: { $in: ['admin', 'owner'] } } },
      { where: { orgId: { $in: ['org-1', 'org-2'] }, teamIds: { $in: ['t1', 't2'] } } },
      { where: { orgId: { $in: ['org-2', 'org-1'] }, role: { $in: ['user', 'user'] } } },
      { where: { orgId: 'org-1', teamIds: { $in: ['no-such-team'] } } },
      { where: { orgId: 'org-1', role: { $in: [] } } },
    ];
    const ids = async (c: typeof indexed, filter: ReadFilter) => {
      const out: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await c.find(filter, { limit: 4, ...(cursor ? { cursor } : {}) });
        out.push(...page.items.map((m) => m._id));
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    };
    for (const filter of filters) {
      const expected = await ids(scanned, filter);
      expect({ filter, ids: await ids(indexed, filter) }).toEqual({ filter, ids: expected });
      expect(await indexed.count(filter)).toBe(expected.length);
    }
    expect(await ids(indexed, { where: { orgId: 'org-1', role: 'admin' } })).toContain('m01');
    expect(await ids(indexed, { where: { orgId: 'org-1' } })).not.toContain('m02');
    expect(await ids(indexed, { where: { orgId: 'org-1', role: null } })).toEqual(['m04']);

    // A rebuild's collection is indexed as well and, once switched, answers the same.
    const rebuild = await store.beginRebuild<Member>(name);
    for (const m of (await indexed.find({}, { limit: 100 })).items) await rebuild.collection.upsertIfNewer(m);
    await rebuild.swap();
    const after = store.collection<Member>(name);
    for (const filter of filters) expect(await ids(after, filter)).toEqual(await ids(scanned, filter));
  });
});

/** On MongoDB several processes share the collections: one's rebuild switches them under the others' feet. */
describeIf(infraEnv.mongoUrl)('ReadStore on MongoDB, two processes', () => {
  const dbName = `contract_${randomUUID().slice(0, 8)}`;
  let rebuilding: MongoReadStore;
  let other: MongoReadStore;
  beforeAll(async () => {
    rebuilding = await MongoReadStore.connect(infraEnv.mongoUrl!, dbName);
    other = await MongoReadStore.connect(infraEnv.mongoUrl!, dbName);
  });
  afterAll(async () => {
    await rebuilding?.close();
    await other?.close();
  });

  it('work run consistently keeps the generation it began with while a swap happens, and sees the new one after', async () => {
    const [first, second] = ['first', 'second'].map((n) => `${n}_${randomUUID().slice(0, 8)}`) as [
      string,
      string,
    ];
    for (const name of [first, second])
      await rebuilding.collection<Member>(name).upsertIfNewer(member('old', 1));
    const rebuilds = await Promise.all([first, second].map((name) => rebuilding.beginRebuild<Member>(name)));
    for (const rebuild of rebuilds) await rebuild.collection.upsertIfNewer(member('new', 1));

    const seen = await other.consistently(async () => {
      const before = await other.collection<Member>(first).get('old');
      await rebuilding.swapTogether(rebuilds as never[]);
      await sleep(other.switchSettlesAfterMs); // past the other process's alias cache
      return [before, await other.collection<Member>(second).get('old')];
    });
    expect(seen.map((doc) => doc?._id)).toEqual(['old', 'old']);
    // Outside, the other process sees the new generation of both once its cache expired.
    expect(await other.collection<Member>(first).get('new')).not.toBeNull();
    expect(await other.collection<Member>(second).get('new')).not.toBeNull();
  });

  it("a switch-over is made once the together record is written: a name's own record failing after it neither fails it nor lets an abort drop what is live", async () => {
    const names = [0, 1, 2].map(() => `halfway_${randomUUID().slice(0, 8)}`);
    for (const name of names) await rebuilding.collection<Member>(name).upsertIfNewer(member('old', 1));
    const rebuilds = await Promise.all(names.map((name) => rebuilding.beginRebuild<Member>(name)));
    for (const rebuild of rebuilds) await rebuild.collection.upsertIfNewer(member('new', 1));
    // The write of the second name's own record fails (a dropped connection, a primary stepping down).
    const collection = rebuilding.connection.collection.bind(rebuilding.connection);
    const failing = jest.spyOn(rebuilding.connection, 'collection').mockImplementation((name, ...rest) => {
      const real = collection(name, ...rest);
      if (name !== 'read_model_aliases') return real;
      return new Proxy(real, {
        get: (target, property) =>
          property === 'updateOne'
            ? (filter: { _id: string }, update: never, options: never) =>
                filter._id === names[1]
                  ? Promise.reject(new Error('connection reset'))
                  : target.updateOne(filter as never, update, options)
            : Reflect.get(target, property),
      });
    });
    try {
      await rebuilding.swapTogether(rebuilds as never[]);
    } finally {
      failing.mockRestore();
    }
    for (const rebuild of rebuilds) await rebuild.abort();
    await sleep(other.switchSettlesAfterMs);
    for (const name of names) {
      expect(await other.collection<Member>(name).get('new')).not.toBeNull();
      expect(await other.collection<Member>(name).get('old')).toBeNull();
    }
  });

  it("two processes' switch-overs at the same moment: one is made, the other refused, every time", async () => {
    const name = `racing_${randomUUID().slice(0, 8)}`;
    for (let round = 0; round < 10; round++) {
      // Begun in the same millisecond, as two replicas asked at once may be.
      const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.now());
      const [mine, theirs] = await Promise.all([
        rebuilding.beginRebuild<Member>(name),
        other.beginRebuild<Member>(name),
      ]).finally(() => clock.mockRestore());
      await mine.collection.upsertIfNewer(member(`mine-${round}`, 1));
      await theirs.collection.upsertIfNewer(member(`theirs-${round}`, 1));
      const outcomes = await Promise.allSettled([
        rebuilding.swapTogether([mine as never]),
        other.swapTogether([theirs as never]),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(RebuildSuperseded);
      await Promise.all([mine.abort(), theirs.abort()]);
      const winner = outcomes[0]!.status === 'fulfilled' ? 'mine' : 'theirs';
      await sleep(other.switchSettlesAfterMs);
      for (const store of [rebuilding, other]) {
        expect(await store.collection<Member>(name).get(`${winner}-${round}`)).not.toBeNull();
        expect(
          await store.collection<Member>(name).get(`${winner === 'mine' ? 'theirs' : 'mine'}-${round}`),
        ).toBeNull();
      }
    }
  }, 60_000);

  it('a rebuild begun before two later switch-overs is still refused: no claim number is taken twice', async () => {
    const name = `claims_${randomUUID().slice(0, 8)}`;
    const earliest = await rebuilding.beginRebuild<Member>(name);
    await earliest.collection.upsertIfNewer(member('earliest', 1));
    for (const [round, store] of [other, rebuilding].entries()) {
      const later = await store.beginRebuild<Member>(name);
      await later.collection.upsertIfNewer(member(`later-${round}`, 1));
      await later.swap();
    }
    await expect(earliest.swap()).rejects.toThrow(RebuildSuperseded);
    await earliest.abort();
    await sleep(rebuilding.switchSettlesAfterMs);
    expect(await other.collection<Member>(name).get('later-1')).not.toBeNull();
    expect(await other.collection<Member>(name).get('earliest')).toBeNull();
  });

  it("two processes' rebuilds: the one begun before the other's switch-over is refused its own", async () => {
    const name = `replicas_${randomUUID().slice(0, 8)}`;
    const earlier = await rebuilding.beginRebuild<Member>(name);
    const later = await other.beginRebuild<Member>(name);
    await earlier.collection.upsertIfNewer(member('earlier', 1));
    await later.collection.upsertIfNewer(member('later', 1));
    await other.swapTogether([later as never]);
    await expect(rebuilding.swapTogether([earlier as never])).rejects.toThrow(RebuildSuperseded);
    await earlier.abort();
    await sleep(rebuilding.switchSettlesAfterMs);
    expect(await rebuilding.collection<Member>(name).get('later')).not.toBeNull();
    expect(await rebuilding.collection<Member>(name).get('earlier')).toBeNull();
  });
});
