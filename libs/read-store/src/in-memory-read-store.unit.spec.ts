import { inspect } from 'node:util';
import { InMemoryReadStore } from './in-memory-read-store';

interface Invitation {
  _id: string;
  revision: number;
  orgId: string;
  email: string;
}

describe('the in-memory read store', () => {
  it('keeps no index entry for a value no document has any more (an erased address is nowhere in its memory)', async () => {
    const store = new InMemoryReadStore();
    const invitations = store.collection<Invitation>('invitations', {
      indexes: [['email'], ['orgId', 'email']],
    });
    const address = 'zyxwv-erased@example.com';
    await invitations.upsertIfNewer({ _id: 'i1', revision: 1, orgId: 'org-1', email: address });
    await invitations.upsertIfNewer({ _id: 'i2', revision: 1, orgId: 'org-1', email: 'kept@example.com' });
    expect(inspect(store, { depth: Infinity })).toContain(address);
    // Erased: the document now holds a marker in place of the address.
    await invitations.upsertIfNewer({ _id: 'i1', revision: 2, orgId: 'org-1', email: 'erased-addr-1' });
    expect(inspect(store, { depth: Infinity })).not.toContain(address);
    // The indexes still find what is there, and nothing for the address.
    expect((await invitations.find({ where: { email: address } }, { limit: 10 })).items).toEqual([]);
    expect(
      (await invitations.find({ where: { orgId: 'org-1', email: 'erased-addr-1' } }, { limit: 10 })).items,
    ).toMatchObject([{ _id: 'i1' }]);
    expect(
      (await invitations.find({ where: { email: 'kept@example.com' } }, { limit: 10 })).items,
    ).toMatchObject([{ _id: 'i2' }]);
    // Searched, the text is cut into pieces: those only the erased address had go too.
    const members = store.collection<Invitation>('members');
    await members.upsertIfNewer({ _id: 'm1', revision: 1, orgId: 'org-1', email: 'qjxkvw@example.com' });
    await members.upsertIfNewer({ _id: 'm2', revision: 1, orgId: 'org-1', email: 'kept@example.com' });
    const search = { search: { text: 'qjx', fields: ['email'] } };
    expect((await members.find(search, { limit: 10 })).items).toMatchObject([{ _id: 'm1' }]);
    await members.upsertIfNewer({ _id: 'm1', revision: 2, orgId: 'org-1', email: 'erased-addr-2' });
    expect((await members.find(search, { limit: 10 })).items).toEqual([]);
    const memory = inspect(store, { depth: Infinity });
    for (const piece of ['qjx', 'jxk', 'xkv', 'kvw']) expect(memory).not.toContain(piece);
    expect(
      (await members.find({ search: { text: 'kept', fields: ['email'] } }, { limit: 10 })).items,
    ).toMatchObject([{ _id: 'm2' }]);
    // A level shared with other documents stays: org-1 still indexes i2.
    await invitations.upsertIfNewer({ _id: 'i1', revision: 3, orgId: 'org-1', email: address });
    expect(
      (await invitations.find({ where: { orgId: 'org-1', email: address } }, { limit: 10 })).items,
    ).toHaveLength(1);
  });
});
