import { NoticeQuota } from './notice-quota';

const HOUR = 3_600_000;

describe('notices one person receives about one organization', () => {
  it('at most the quota an hour, per organization and person; a message delivered again is not counted twice', () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const quota = new NoticeQuota(3, () => clock.now);
    const toBob = ['e1', 'e2', 'e1', 'e3', 'e4'].map((id) => quota.admits('email', 'o1', 'bob', id));
    expect(toBob).toEqual([true, true, true, true, false]);
    // Held back, it stays held back when delivered again.
    expect(quota.admits('email', 'o1', 'bob', 'e4')).toBe(false);
    expect(quota.admits('email', 'o1', 'cat', 'e4')).toBe(true);
    expect(quota.admits('email', 'o2', 'bob', 'e5')).toBe(true);
    clock.now += HOUR;
    expect(quota.admits('email', 'o1', 'bob', 'e6')).toBe(true);
  });

  it('forgets what is older than an hour', () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const quota = new NoticeQuota(1, () => clock.now);
    quota.admits('email', 'o1', 'bob', 'e1');
    quota.admits('email', 'o1', 'bob', 'e2');
    expect(quota.remembered).toBe(2);
    clock.now += HOUR;
    quota.admits('email', 'o2', 'cat', 'e3');
    expect(quota.remembered).toBe(1);
  });
});
