import { type Schemas } from '../api/client';
import { auditCsv } from './audit-csv';

const event = (extra: Partial<Schemas['AuditEventView']> = {}): Schemas['AuditEventView'] => ({
  revision: 7,
  eventId: 'e-7',
  type: 'MemberRoleChanged',
  actorId: 'ada',
  actorName: 'Ada Lovelace',
  at: '2026-11-30T12:00:00.000Z',
  correlationId: 'c-1',
  data: { userId: 'bob', from: 'user', to: 'admin' } as unknown as Record<string, never>,
  userName: 'Bob Babbage',
  ...extra,
});

describe('console: the audit history downloaded as CSV (R21)', () => {
  it('one row per event under a header, ids beside names, the whole data as JSON', () => {
    const names = { bob: 'Bob Babbage' };
    expect(
      auditCsv([event({ names }), event({ revision: 8, actorName: undefined, actingVia: 'parent-1' })]),
    ).toBe(
      'revision,at,change,actorId,actorName,actingVia,userId,userName,data,names,correlationId,eventId\r\n' +
        '7,2026-11-30T12:00:00.000Z,MemberRoleChanged,ada,Ada Lovelace,,bob,Bob Babbage,' +
        '"{""userId"":""bob"",""from"":""user"",""to"":""admin""}","{""bob"":""Bob Babbage""}",c-1,e-7\r\n' +
        '8,2026-11-30T12:00:00.000Z,MemberRoleChanged,ada,,parent-1,bob,Bob Babbage,' +
        '"{""userId"":""bob"",""from"":""user"",""to"":""admin""}",,c-1,e-7\r\n',
    );
  });

  it('no events: the header alone', () => {
    expect(auditCsv([])).toBe(
      'revision,at,change,actorId,actorName,actingVia,userId,userName,data,names,correlationId,eventId\r\n',
    );
  });

  it('a name a spreadsheet would run as a formula is defused; control and bidirectional characters are escaped', () => {
    const [, row] = auditCsv([
      event({ actorName: '=HYPERLINK("http://x")', userName: 'Eve\u202e\u001b[2J\r\nadmin' }),
    ]).split('\r\n');
    expect(row).toContain(',"\'=HYPERLINK(""http://x"")",');
    expect(row).toContain(',Eve\\u202e\\u001b[2J\\u000d\\u000aadmin,');
  });
});
