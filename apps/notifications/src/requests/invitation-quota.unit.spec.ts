import { InvitationQuota } from './invitation-quota';

describe('R5: the invitation messages one address receives in an hour', () => {
  const HOUR = 3_600_000;
  let now = 0;
  const clock = () => now;

  it('allows the quota, then none until the oldest counted one is an hour old', () => {
    now = 1_000;
    const quota = new InvitationQuota(3, clock);
    expect(quota.allows('ada@example.com', 'm1')).toBe(true);
    now = 2_000;
    expect(['m2', 'm3'].map((id) => quota.allows('ada@example.com', id))).toEqual([true, true]);
    expect(quota.allows('ada@example.com', 'm4')).toBe(false);
    // Another recipient has a quota of their own.
    expect(quota.allows('bob@example.com', 'm5')).toBe(true);
    now = 1_000 + HOUR - 1;
    expect(quota.allows('ada@example.com', 'm6')).toBe(false);
    now = 1_000 + HOUR;
    expect(quota.allows('ada@example.com', 'm6')).toBe(true);
    expect(quota.allows('ada@example.com', 'm7')).toBe(false);
  });

  it('counts a message delivered again (after a crash) once', () => {
    now = 0;
    const quota = new InvitationQuota(2, clock);
    expect(quota.allows('+14155552671', 'm1')).toBe(true);
    expect(quota.allows('+14155552671', 'm1')).toBe(true);
    expect(quota.allows('+14155552671', 'm2')).toBe(true);
    expect(quota.allows('+14155552671', 'm1')).toBe(true);
    expect(quota.allows('+14155552671', 'm3')).toBe(false);
  });

  it('forgets recipients with nothing counted in the last hour', () => {
    now = 0;
    const quota = new InvitationQuota(2, clock);
    quota.allows('a@example.com', 'm1');
    quota.allows('b@example.com', 'm2');
    now = HOUR + 10;
    quota.allows('c@example.com', 'm3');
    expect(quota.remembered).toBe(1);
  });
});
