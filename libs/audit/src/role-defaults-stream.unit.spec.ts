import { defaultCatalog, roleDefaultsOf } from '@app/permissions';
import { roleDefaultsHistoryOf } from './role-defaults-stream';

const defaults = roleDefaultsOf(defaultCatalog);
const adopted = (at: unknown, admin = defaults.admin) => ({
  type: 'RoleDefaultsAdopted',
  data: { ...defaults, admin, at },
});

describe('reading the recorded role defaults (R21)', () => {
  it('in stream order: a record dated before the one before it takes effect when that one did', () => {
    const widened = [...defaults.admin, 'org.billing'];
    expect(
      roleDefaultsHistoryOf([
        adopted('2026-01-01T00:00:00.000Z'),
        adopted('2026-03-01T00:00:00.000Z', widened),
        adopted('2026-02-01T00:00:00.000Z'),
      ]),
    ).toEqual([
      { since: '2026-01-01T00:00:00.000Z', defaults },
      { since: '2026-03-01T00:00:00.000Z', defaults: { ...defaults, admin: widened } },
      { since: '2026-03-01T00:00:00.000Z', defaults },
    ]);
  });

  it('only instants written as the writer stamps them, and only records of adoptions', () => {
    expect(
      roleDefaultsHistoryOf([
        adopted('Jan 1 2026 (\u001b[8m hidden)'),
        adopted('2026-01-01T00:00:00Z'),
        adopted(1_767_225_600_000),
        { type: 'SomethingElse', data: { ...defaults, at: '2026-01-01T00:00:00.000Z' } },
        adopted('2026-01-02T00:00:00.000Z'),
      ]),
    ).toEqual([{ since: '2026-01-02T00:00:00.000Z', defaults }]);
  });
});
