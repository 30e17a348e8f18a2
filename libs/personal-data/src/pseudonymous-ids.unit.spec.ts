import { randomBytes } from 'node:crypto';
import { PseudonymousIds } from './pseudonymous-ids';

describe('PseudonymousIds', () => {
  const key = randomBytes(32);
  const ids = new PseudonymousIds(key);

  it('gives one value the same id every time, and under the same master key in another process', () => {
    const id = ids.uuidOf('delivery', 'evt-1|email|ada@example.com');
    expect(id).toBe(ids.uuidOf('delivery', 'evt-1|email|ada@example.com'));
    expect(new PseudonymousIds(Buffer.from(key)).uuidOf('delivery', 'evt-1|email|ada@example.com')).toBe(id);
  });

  it('gives the whole keyed hash as a digest, apart per purpose', () => {
    const digest = ids.digestOf('reservation', 'email:ada@example.com');
    expect(digest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ids.digestOf('reservation', 'email:ada@example.com')).toBe(digest);
    expect(new PseudonymousIds(randomBytes(32)).digestOf('reservation', 'email:ada@example.com')).not.toBe(
      digest,
    );
    expect(ids.digestOf('other', 'email:ada@example.com')).not.toBe(digest);
  });

  it('is a UUID of version 8 and the RFC 9562 variant', () => {
    expect(ids.uuidOf('delivery', 'x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('cannot be matched without the master key: another key, another purpose or another value give other ids', () => {
    const id = ids.uuidOf('delivery', 'evt-1|email|ada@example.com');
    expect(new PseudonymousIds(randomBytes(32)).uuidOf('delivery', 'evt-1|email|ada@example.com')).not.toBe(
      id,
    );
    expect(ids.uuidOf('outcome', 'evt-1|email|ada@example.com')).not.toBe(id);
    expect(ids.uuidOf('delivery', 'evt-1|email|bob@example.com')).not.toBe(id);
    // the purpose and the value are kept apart: moving the boundary between them changes the id
    expect(ids.uuidOf('deliveryevt-1', '|email|ada@example.com')).not.toBe(id);
  });
});
