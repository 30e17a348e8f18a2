import {
  classifyFailure,
  InvalidAddressError,
  retryAfterMs,
  SmsProviderError,
  withoutAddresses,
} from './delivery-failure';

describe('delivery failures', () => {
  it('tells permanent refusals from transient ones', () => {
    expect(
      classifyFailure(Object.assign(new Error('550 no such user'), { responseCode: 550 })).permanent,
    ).toBe(true);
    expect(classifyFailure(Object.assign(new Error('451 try later'), { responseCode: 451 })).permanent).toBe(
      false,
    );
    expect(
      classifyFailure(Object.assign(new Error('535 auth'), { responseCode: 535, code: 'EAUTH' })).permanent,
    ).toBe(false);
    expect(classifyFailure(Object.assign(new Error('no recipients'), { code: 'EENVELOPE' })).permanent).toBe(
      true,
    );
    expect(classifyFailure(new InvalidAddressError('x')).permanent).toBe(true);
    expect(classifyFailure(new SmsProviderError(400)).permanent).toBe(true);
    expect(classifyFailure(new SmsProviderError(503)).permanent).toBe(false);
    expect(classifyFailure(new SmsProviderError(429, 3_000))).toEqual({
      permanent: false,
      reason: 'SMS provider answered 429',
      retryAfterMs: 3_000,
    });
    expect(
      classifyFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).permanent,
    ).toBe(false);
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('takes addresses and numbers out of what leaves the service', () => {
    expect(withoutAddresses('550 5.1.1 <ada@example.com>: no such user; call +1 415 555 0100')).toBe(
      '550 5.1.1 <[address]>: no such user; call [number]',
    );
  });
});
