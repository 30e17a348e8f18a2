import { generateTotpSecret, totpCode, verifyTotp } from './totp';

describe('TOTP engine', () => {
  it('matches the RFC 6238 SHA-1 test vector (secret "12345678901234567890", 8 digits truncated to 6)', () => {
    // Base32 of the ASCII secret of RFC 6238 Appendix B; at T=59 the 8-digit code is 94287082, 6-digit 287082.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(secret, 59)).toBe('287082');
    expect(totpCode(secret, 1111111109)).toBe('081804');
  });

  it('generates 160-bit base32 secrets and verifies within the tolerance only', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const now = 1_800_000_000;
    expect(verifyTotp(secret, totpCode(secret, now), now, 30)).toBe(Math.floor(now / 30));
    expect(verifyTotp(secret, totpCode(secret, now - 30), now, 30)).toBe(Math.floor(now / 30) - 1);
    expect(verifyTotp(secret, totpCode(secret, now - 90), now, 30)).toBeUndefined();
  });
});
