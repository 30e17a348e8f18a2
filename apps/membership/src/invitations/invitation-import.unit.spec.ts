import { planInvitationImport } from './invitation-import';

describe('bulk invitation import (R7)', () => {
  it('R7: validates row by row; good rows are planned even when others fail, each bad row says why', () => {
    const plan = planInvitationImport([
      { email: 'Ada@Example.com', role: 'admin', teamIds: ['t1'] },
      { email: 'not-an-email' },
      { phone: '+1 415 555 2671' },
      { email: 'x@example.com', phone: '+14155552671' },
      { email: 'ada@example.com' },
      { email: 'bob@example.com', role: 'owner' },
      { phone: '12' },
      'not a row',
      { email: 'c@example.com', teamIds: 't1' },
      { email: 'd@example.com', admin: true },
      { phone: '+14155552671' },
    ]);
    expect(plan.map((p) => (p.ok ? 'ok' : `${p.code}:${p.field}`))).toEqual([
      'ok',
      'validation-failed:email',
      'ok',
      'validation-failed:email',
      'duplicate-row:email',
      'validation-failed:role',
      'validation-failed:phone',
      'validation-failed:row',
      'validation-failed:teamIds',
      'unknown-field:admin',
      'duplicate-row:phone',
    ]);
    expect(plan[0]).toEqual({ row: 0, ok: true, email: 'ada@example.com', role: 'admin', teamIds: ['t1'] });
    expect(plan[2]).toEqual({ row: 2, ok: true, phone: '+14155552671', role: 'user', teamIds: [] });
  });

  it('R7: a phone typed with spaces is the same person as its E.164 form', () => {
    const plan = planInvitationImport([{ phone: '+44 20 7946 0958' }, { phone: '+442079460958' }]);
    expect(plan[0]).toMatchObject({ ok: true, phone: '+442079460958' });
    expect(plan[1]).toMatchObject({ ok: false, code: 'duplicate-row', field: 'phone' });
  });
});
