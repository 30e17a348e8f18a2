import { inspect } from 'node:util';
import { notificationDeliveries } from '@app/metrics';
import { InvitationQuota } from './invitation-quota';

describe('R5: the invitation messages one address receives in an hour', () => {
  const HOUR = 3_600_000;
  let now = 0;
  const clock = () => now;

  it('allows the quota from one organization, then none until the oldest counted one is an hour old', () => {
    now = 1_000;
    const quota = new InvitationQuota(3, clock);
    expect(quota.allows('ada@example.com', 'o1', 'm1')).toBe(true);
    now = 2_000;
    expect(['m2', 'm3'].map((id) => quota.allows('ada@example.com', 'o1', id))).toEqual([true, true]);
    expect(quota.allows('ada@example.com', 'o1', 'm4')).toBe(false);
    // Another recipient, and another organization, have quotas of their own.
    expect(quota.allows('bob@example.com', 'o1', 'm5')).toBe(true);
    expect(quota.allows('ada@example.com', 'o2', 'm6')).toBe(true);
    now = 1_000 + HOUR - 1;
    expect(quota.allows('ada@example.com', 'o1', 'm7')).toBe(false);
    now = 1_000 + HOUR;
    expect(quota.allows('ada@example.com', 'o1', 'm7')).toBe(true);
    expect(quota.allows('ada@example.com', 'o1', 'm8')).toBe(false);
  });

  it('bounds what one inviter sends one address over all their organizations at four times the quota', () => {
    now = 0;
    const quota = new InvitationQuota(2, clock);
    const allowed = ['o1', 'o2', 'o3', 'o4', 'o5'].flatMap((org) =>
      [1, 2].map((n) => quota.allows('ada@example.com', org, `${org}-${n}`, 'email', 'mallory')),
    );
    expect(allowed.filter(Boolean)).toHaveLength(8);
    expect(allowed.slice(8)).toEqual([false, false]);
    // What was held back was not counted: another address from the same organization is unaffected.
    expect(quota.allows('bob@example.com', 'o5', 'o5-3', 'email', 'mallory')).toBe(true);
    // Another organization's inviter still reaches the address: one person's flood does not use up their quota.
    expect(quota.allows('ada@example.com', 'employer', 'e-1', 'email', 'hr')).toBe(true);
  });

  it('bounds what everyone together sends one address at twenty times the quota', () => {
    now = 0;
    const quota = new InvitationQuota(1, clock);
    const allowed = Array.from({ length: 22 }, (_, i) =>
      quota.allows('ada@example.com', `o${i}`, `m${i}`, 'email', `inviter-${i}`),
    );
    expect(allowed.filter(Boolean)).toHaveLength(20);
    expect(allowed.slice(20)).toEqual([false, false]);
  });

  it('counts a message delivered again (after a crash) once', () => {
    now = 0;
    const quota = new InvitationQuota(2, clock);
    expect(quota.allows('+14155552671', 'o1', 'm1')).toBe(true);
    expect(quota.allows('+14155552671', 'o1', 'm1')).toBe(true);
    expect(quota.allows('+14155552671', 'o1', 'm2')).toBe(true);
    expect(quota.allows('+14155552671', 'o1', 'm1')).toBe(true);
    expect(quota.allows('+14155552671', 'o1', 'm3')).toBe(false);
  });

  it('counts a message held back and delivered again (a redelivery) held back once', async () => {
    now = 0;
    const quota = new InvitationQuota(1, clock);
    const heldBack = async () =>
      (await notificationDeliveries.get()).values.find(
        (v) => v.labels.channel === 'sms' && v.labels.status === 'over-quota',
      )?.value ?? 0;
    const before = await heldBack();
    expect(quota.admits('sms', '+14155552671', 'o1', 'm1')).toBe(true);
    expect(quota.admits('sms', '+14155552671', 'o1', 'm2')).toBe(false);
    expect(quota.admits('sms', '+14155552671', 'o1', 'm2')).toBe(false);
    expect(await heldBack()).toBe(before + 1);
    expect(quota.admits('sms', '+14155552671', 'o1', 'm3')).toBe(false);
    expect(await heldBack()).toBe(before + 2);
  });

  it('stops an organization’s invitation texts at its day budget, to all numbers together; mail and others go on', () => {
    now = 0;
    const quota = new InvitationQuota(5, clock, 3);
    const numbers = ['+4915100000001', '+4915100000002', '+4915100000003', '+4915100000004'];
    expect(quota.allows(numbers[0]!, 'o1', 't0', 'sms')).toBe(true);
    now = HOUR / 2;
    expect(numbers.slice(1).map((n, i) => quota.allows(n, 'o1', `t${i + 1}`, 'sms'))).toEqual([
      true,
      true,
      false,
    ]);
    // A text delivered again is still the one counted; another organization, and e-mail, have budgets of their own.
    expect(quota.allows(numbers[0]!, 'o1', 't0', 'sms')).toBe(true);
    expect(quota.allows(numbers[3]!, 'o2', 'u1', 'sms')).toBe(true);
    expect(quota.allows('ada@example.com', 'o1', 'e1', 'email')).toBe(true);
    // The budget is a day's: an hour later still none, a day after the first text one more (the first one's place).
    now = HOUR;
    expect(quota.allows(numbers[3]!, 'o1', 't4', 'sms')).toBe(false);
    now = 24 * HOUR;
    expect(quota.allows(numbers[3]!, 'o1', 't5', 'sms')).toBe(true);
    expect(quota.allows(numbers[3]!, 'o1', 't6', 'sms')).toBe(false);
  });

  it('also stops one inviter’s texts at the day budget across all their organizations', () => {
    now = 0;
    const quota = new InvitationQuota(5, clock, 2);
    const sent = ['o1', 'o2', 'o3'].map((org, i) =>
      quota.allows(`+491510000000${i}`, org, `t${i}`, 'sms', 'mallory'),
    );
    expect(sent).toEqual([true, true, false]);
    // Another inviter of the same organizations has a budget of their own (the organizations' permitting).
    expect(quota.allows('+4915100000009', 'o3', 'u1', 'sms', 'olga')).toBe(true);
  });

  it('lets a text delivered again after the hour pass, once counted, even with the day budget used up', () => {
    now = 0;
    const quota = new InvitationQuota(5, clock, 1);
    expect(quota.allows('+4915100000001', 'o1', 't1', 'sms', 'ada')).toBe(true);
    now = 2 * HOUR;
    expect(quota.allows('+4915100000001', 'o1', 't1', 'sms', 'ada')).toBe(true);
    expect(quota.allows('+4915100000002', 'o1', 't2', 'sms', 'ada')).toBe(false);
  });

  it('keeps a day budget through the hourly forgetting, and forgets it after a day', () => {
    now = 0;
    const quota = new InvitationQuota(5, clock, 1);
    expect(quota.allows('+4915100000001', 'o1', 't1', 'sms')).toBe(true);
    now = 2 * HOUR;
    expect(quota.allows('+4915100000002', 'o1', 't2', 'sms')).toBe(false);
    expect(quota.remembered).toBe(3);
    now = 25 * HOUR;
    quota.allows('a@example.com', 'o9', 'm1');
    // The texts' day is forgotten; what is left is the mail's hour (organization, everyone) and its organization's day.
    expect(quota.remembered).toBe(3);
  });

  it('stops an organization’s and an inviter’s invitation mail at the day budget, to all addresses together', () => {
    now = 0;
    const quota = new InvitationQuota(5, clock, 200, 3);
    const mailed = ['a', 'b', 'c', 'd'].map((n, i) =>
      quota.allows(`${n}@example.com`, 'o1', `m${i}`, 'email'),
    );
    expect(mailed).toEqual([true, true, true, false]);
    // Texts have their own budget, and another organization its own.
    expect(quota.allows('+4915100000001', 'o1', 't1', 'sms')).toBe(true);
    expect(quota.allows('d@example.com', 'o2', 'n1', 'email')).toBe(true);
    // One inviter's across their organizations.
    const byMallory = ['o3', 'o4', 'o5', 'o6'].map((org, i) =>
      quota.allows(`x${i}@example.com`, org, `p${i}`, 'email', 'mallory'),
    );
    expect(byMallory).toEqual([true, true, true, false]);
    now = 24 * HOUR;
    expect(quota.allows('d@example.com', 'o1', 'm9', 'email')).toBe(true);
  });

  it('counts an address’s +tags as the address: one mailbox is not flooded through its tags', () => {
    now = 0;
    const quota = new InvitationQuota(2, clock);
    const tagged = [1, 2, 3].map((n) => quota.allows(`Victim+${n}@example.com`, 'o1', `m${n}`, 'email'));
    expect(tagged).toEqual([true, true, false]);
    expect(quota.allows('victim@example.com', 'o1', 'm4', 'email')).toBe(false);
    expect(quota.allows('victim2@example.com', 'o1', 'm5', 'email')).toBe(true);
  });

  it('keeps no address in the clear: an erased person is not in its memory, and counting still tells addresses apart', () => {
    const quota = new InvitationQuota(1, () => 0);
    expect(quota.admits('email', 'zyxwv@example.com', 'org-1', 'm1', 'inviter')).toBe(true);
    expect(quota.admits('sms', '+4915112345678', 'org-1', 'm2', 'inviter')).toBe(true);
    const memory = inspect(quota, { depth: Infinity });
    expect(memory).not.toContain('zyxwv');
    expect(memory).not.toContain('4915112345678');
    expect(quota.admits('email', 'zyxwv@example.com', 'org-1', 'm3', 'inviter')).toBe(false);
    expect(quota.admits('email', 'other@example.com', 'org-1', 'm4', 'inviter')).toBe(true);
  });

  it('forgets windows with nothing counted in the last hour', () => {
    now = 0;
    const quota = new InvitationQuota(2, clock);
    quota.allows('a@example.com', 'o1', 'm1');
    quota.allows('b@example.com', 'o1', 'm2');
    expect(quota.remembered).toBe(5); // two addresses' hours from the organization and from everyone, one day
    now = HOUR + 10;
    quota.allows('c@example.com', 'o1', 'm3');
    expect(quota.remembered).toBe(3); // c's hours, and the organization's day, which a and b still count in
  });
});
