import { randomBytes } from 'node:crypto';
import { PayloadSlab } from './payload-slab';

describe('the payload slab', () => {
  it('keeps every payload as given while later ones fill it and the next ones, large ones included', () => {
    const slab = new PayloadSlab();
    const given = Array.from({ length: 3_000 }, (_, i) => ({
      data: randomBytes(i === 1_500 ? 3 * 1024 * 1024 : i % 1_000),
      metadata: randomBytes(i % 7 === 0 ? 0 : 200),
    }));
    const kept = given.map(({ data, metadata }) => slab.keep(data, metadata));
    given.forEach(({ data, metadata }, i) => {
      const { payload, start } = kept[i]!;
      expect(payload.subarray(start, start + data.length).equals(data)).toBe(true);
      const metadataAt = start + data.length;
      expect(payload.subarray(metadataAt, metadataAt + metadata.length).equals(metadata)).toBe(true);
    });
    expect(new Set(kept.map((k) => k.payload)).size).toBeGreaterThan(2);
  });

  it('a large payload gets a buffer of its own and leaves the slab to the small ones around it', () => {
    const slab = new PayloadSlab();
    const before = slab.keep(Buffer.from('a'), Buffer.alloc(0));
    const large = slab.keep(randomBytes(200 * 1024), Buffer.from('{}'));
    const after = slab.keep(Buffer.from('b'), Buffer.alloc(0));
    expect(large.payload.length).toBe(200 * 1024 + 2);
    expect(large.start).toBe(0);
    expect(after.payload).toBe(before.payload);
    expect(after.start).toBe(before.start + 1);
  });

  it('copies: changing what was given afterwards changes nothing kept', () => {
    const slab = new PayloadSlab();
    const data = Buffer.from('{"a":1}');
    const { payload, start } = slab.keep(data, Buffer.from('{}'));
    data.fill(0);
    expect(payload.toString('utf8', start, start + 9)).toBe('{"a":1}{}');
  });
});
