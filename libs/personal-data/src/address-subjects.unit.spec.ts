import { randomBytes } from 'node:crypto';
import { AddressSubjects } from './address-subjects';

describe('AddressSubjects', () => {
  const subjects = new AddressSubjects(randomBytes(32));

  it('name an address the same whatever its case and surrounding spaces, apart per kind', () => {
    const subject = subjects.of('email', 'Ada@Example.com ');
    expect(subject).toMatch(/^addr-[A-Za-z0-9_-]{24}$/);
    expect(subjects.of('email', 'ada@example.com')).toBe(subject);
    expect(subjects.of('phone', 'ada@example.com')).not.toBe(subject);
  });

  it('find the subject of a later generation of its key (PersonalDataVault.liveGeneration), and leave any other id', () => {
    const subject = subjects.of('email', 'ada@example.com');
    for (const generation of [`${subject}-g2`, `${subject}-g13`])
      expect(AddressSubjects.subjectOf(generation)).toBe(subject);
    expect(AddressSubjects.subjectOf(subject)).toBe(subject);
    // A user's key is their id: whatever it looks like, it is nobody's generation.
    for (const userId of ['3f0c2a9e-1b7d-4c55-9a0e-2d6f5b8c1a77', 'user-g2', 'addr-short-g2'])
      expect(AddressSubjects.subjectOf(userId)).toBe(userId);
  });
});
