import { planInvitationImport } from './invitation-import';

describe('bulk invitation import (R7)', () => {
  it('R7: validates row by row; good rows are planned even when others fail, each bad row says why', () => {
    const plan = planInvitationImport('org-1', [
      { email: 'Ada@Example.com', role: 'admin', teamIds: ['t1'] },
      { email: 'not-an-email' },
      { phone: '+1 415 555 2671' },
      { email: 'x@example.com', phone: '+14155552671' },
      { email: 'ada@example.com' },
      { email: 'bob@example.com', role: 'owner' },
      { phone: '12' },
    ]);
    expect(plan.map((p) => (p.ok ? 'ok' : `${p.code}:${p.field}`))).toEqual([
      'ok',
      'validation-failed:email',
      'ok',
      'validation-failed:email',
      'duplicate-row:email',
      'validation-failed:role',
      'validation-failed:phone',
    ]);
    expect(plan[0]).toMatchObject({ email: 'ada@example.com', role: 'admin', teamIds: ['t1'] });
    expect(plan[2]).toMatchObject({ phone: '+14155552671', role: 'user', teamIds: [] });
  });

  it('R7: the same person in the same organization always gets the same invitation id, so a re-run creates nothing twice', () => {
    const first = planInvitationImport('org-1', [{ email: 'ada@example.com' }]);
    const again = planInvitationImport('org-1', [{ email: ' ADA@example.com ' }]);
    const elsewhere = planInvitationImport('org-2', [{ email: 'ada@example.com' }]);
    expect(first[0]!.ok && again[0]!.ok && elsewhere[0]!.ok).toBe(true);
    if (first[0]!.ok && again[0]!.ok && elsewhere[0]!.ok) {
      expect(again[0]!.invitationId).toBe(first[0]!.invitationId);
      expect(elsewhere[0]!.invitationId).not.toBe(first[0]!.invitationId);
    }
  });
});
