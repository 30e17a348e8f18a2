import { PasswordPolicy, bundledCommonPasswords } from './password-policy';

describe('password policy (ASVS 5.0 L2)', () => {
  const policy = new PasswordPolicy();

  it('ships ten thousand common passwords, all of them long enough to pass the length rule', () => {
    const list = bundledCommonPasswords();
    expect(list.size).toBe(10_000);
    expect(list.has('password')).toBe(true);
    expect([...list].every((p) => [...p].length >= 8)).toBe(true);
    expect(bundledCommonPasswords()).toBe(list);
  });

  it('counts length in code points, not UTF-16 units', () => {
    // Four emoji are 8 UTF-16 code units but only 4 characters.
    expect(policy.violations('😀😀😀😀')).toEqual(['too-short']);
    expect(policy.violations('😀😀😀😀😀😀😀😀')).toEqual([]);
    expect(policy.violations('a'.repeat(7))).toEqual(['too-short']);
    expect(policy.violations('ä'.repeat(128))).toEqual([]);
    expect(policy.violations('😀'.repeat(129))).toEqual(['too-long']);
  });

  it('allows spaces and any script, and demands no composition', () => {
    expect(policy.violations('correct horse battery staple')).toEqual([]);
    expect(policy.violations('пароль безопасный')).toEqual([]);
    expect(policy.violations('zqxjkvwplm')).toEqual([]);
  });

  it('rejects common passwords whatever their case', () => {
    expect(policy.violations('password')).toEqual(['common-password']);
    expect(policy.violations('PassWord')).toEqual(['common-password']);
    expect(policy.violations('iloveyou')).toEqual(['common-password']);
  });

  it('rejects the e-mail address as password and names every violation in the error', () => {
    expect(policy.violations('Ada@Example.com', { email: 'ada@example.com' })).toEqual(['same-as-email']);
    expect(() => policy.assert('12345678')).toThrow(
      expect.objectContaining({
        code: 'weak-password',
        kind: 'validation',
        details: expect.objectContaining({ violations: ['common-password'] }),
      }),
    );
  });

  it('an injected list replaces the bundled one', () => {
    const custom = new PasswordPolicy(new Set(['acme-corp-2026']));
    expect(custom.violations('ACME-corp-2026')).toEqual(['common-password']);
    expect(custom.violations('password')).toEqual([]);
  });
});
