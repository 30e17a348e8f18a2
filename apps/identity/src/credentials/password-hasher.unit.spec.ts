import { PasswordHasher } from './password-hasher';

// Small parameters keep the unit run fast; the defaults are checked separately.
const fast = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('password hasher (argon2id)', () => {
  it('defaults to argon2id m=19456 KiB, t=2, p=1', async () => {
    const hasher = new PasswordHasher();
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,(t=2,p=1|p=1,t=2)\$/);
    expect(await hasher.verify(hash, 'correct horse battery staple')).toBe(true);
  });

  it('verifies the right password only, and treats garbage hashes as a mismatch', async () => {
    const hasher = new PasswordHasher(fast);
    const hash = await hasher.hash('s3cret passphrase');
    expect(await hasher.verify(hash, 's3cret passphrase')).toBe(true);
    expect(await hasher.verify(hash, 's3cret passphrasE')).toBe(false);
    expect(await hasher.verify('not-a-hash', 's3cret passphrase')).toBe(false);
  });

  it('treats canonically equivalent Unicode input as the same password (NFKC)', async () => {
    const hasher = new PasswordHasher(fast);
    const hash = await hasher.hash('caf\u00e9 au lait');
    expect(await hasher.verify(hash, 'cafe\u0301 au lait')).toBe(true);
  });

  it('needs a rehash when the configured parameters changed, or the hash is not argon2id', async () => {
    const old = new PasswordHasher(fast);
    const hash = await old.hash('whatever you like');
    expect(old.needsRehash(hash)).toBe(false);
    const stronger = new PasswordHasher({ ...fast, memoryCost: 2048 });
    expect(stronger.needsRehash(hash)).toBe(true);
    expect(await stronger.verify(hash, 'whatever you like')).toBe(true);
    expect(stronger.needsRehash(await stronger.hash('whatever you like'))).toBe(false);
    expect(stronger.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });

  it('dummyVerify is always false', async () => {
    const hasher = new PasswordHasher(fast);
    expect(await hasher.dummyVerify('anything')).toBe(false);
    expect(await hasher.dummyVerify('anything')).toBe(false);
  });
});
