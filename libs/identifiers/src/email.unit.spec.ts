import { DomainError } from '@app/domain';
import { SchemaRegistry } from '@app/contracts';
import { parseEmail } from './email';

const refusal = (raw: string) => {
  try {
    parseEmail(raw, 'email');
  } catch (error) {
    if (error instanceof DomainError) return [error.code, error.details.field];
    throw error;
  }
  return 'accepted';
};

describe('e-mail addresses', () => {
  it('are trimmed and lower-cased', () => {
    expect(parseEmail('  Ada.Lovelace+work@Example.COM ')).toBe('ada.lovelace+work@example.com');
  });

  it('that an event contract would refuse are refused here, naming the field (non-ASCII, control and invisible characters)', () => {
    for (const raw of [
      'üñí@exämple.test',
      'zoë@example.test',
      'a\u0000b@a.test',
      'ad\u200ba@a.test',
      // Letters that lower-case into ASCII: the Kelvin sign would become `k`, another person's address.
      'kelvin\u212a@example.com',
      'ada@\u212aelvin.example',
      'a b@a.test',
      'ada@example',
      'ada@@example.com',
      `${'a'.repeat(65)}@example.com`,
      `ada@${'a'.repeat(250)}.com`,
    ])
      expect([raw, refusal(raw)]).toEqual([raw, ['invalid-email', 'email']]);
  });

  it('accepted here are accepted by the event contracts', () => {
    const registry = new SchemaRegistry();
    for (const raw of ['ada@example.com', "o'brien+tag@sub.example.co.uk", 'x@a-b.io']) {
      const email = parseEmail(raw);
      expect(
        registry.validate('identity.EmailChanged.v1', {
          userId: 'u1',
          previousEmail: email,
          email,
          actorId: 'u1',
          at: new Date().toISOString(),
        }),
      ).toEqual({ ok: true });
    }
  });
});
