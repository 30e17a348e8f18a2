import { SlidingWindowStorage } from './sliding-window-storage';

describe('rate-limit counters (sliding window over two fixed windows)', () => {
  const MINUTE = 60_000;
  let now: number;
  let storage: SlidingWindowStorage;
  beforeEach(() => {
    now = Date.UTC(2026, 0, 1, 12, 0, 0);
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    storage = new SlidingWindowStorage();
  });
  afterEach(() => {
    storage.onModuleDestroy();
    jest.restoreAllMocks();
  });
  const hit = (key = 'a', limit = 3) => storage.increment(key, MINUTE, limit, 0, 'ip');

  it('allows up to the limit, then blocks until the window has moved on, telling when to retry', async () => {
    for (let i = 1; i <= 3; i++) expect(await hit()).toMatchObject({ isBlocked: false, totalHits: i });
    const blocked = await hit();
    expect(blocked).toMatchObject({ isBlocked: true, timeToBlockExpire: 60 });
    now += 30_000;
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 30 });
    // Another key has its own count.
    expect(await hit('b')).toMatchObject({ isBlocked: false, totalHits: 1 });
  });

  it('counts the previous window by how much of it still overlaps the last minute', async () => {
    for (let i = 0; i < 3; i++) await hit('a', 4);
    now += MINUTE + 15_000; // a quarter into the next window: 3 x 0.75 = 2.25 still count
    expect(await hit('a', 4)).toMatchObject({ isBlocked: false, totalHits: 3 });
    expect(await hit('a', 4)).toMatchObject({ isBlocked: false, totalHits: 4 });
    expect(await hit('a', 4)).toMatchObject({ isBlocked: true });
    now += MINUTE; // the first window no longer overlaps: 2 x 0.75 of the last one = 1.5
    expect(await hit('a', 4)).toMatchObject({ isBlocked: false, totalHits: 2 });
  });

  it('a block lasts the configured block duration when one is given', async () => {
    for (let i = 0; i < 2; i++) await storage.increment('k', MINUTE, 2, 5_000, 'auth');
    expect(await storage.increment('k', MINUTE, 2, 5_000, 'auth')).toMatchObject({
      isBlocked: true,
      timeToBlockExpire: 5,
    });
  });
});
