import { assertE164, parsePhone } from './phone';

describe('phone numbers at the edge', () => {
  it('turns international and national formats into E.164', () => {
    expect(parsePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(parsePhone('020 7946 0958', 'phone', 'GB')).toBe('+442079460958');
  });

  it('rejects numbers that are not valid', () => {
    expect(() => parsePhone('12')).toThrow(expect.objectContaining({ code: 'invalid-phone' }));
    expect(() => parsePhone('+1 555')).toThrow(expect.objectContaining({ code: 'invalid-phone' }));
    expect(() => assertE164('4155552671')).toThrow(expect.objectContaining({ code: 'invalid-phone' }));
  });
});
