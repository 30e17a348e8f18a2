import { InvitationTokens } from './invitation-token';

const secret = 'x'.repeat(32);

describe('invitation tokens (R5)', () => {
  const tokens = new InvitationTokens(secret);

  it('round-trips the invitation id and send sequence', () => {
    expect(tokens.verify(tokens.issue({ invitationId: 'inv-1', sendSequence: 3 }))).toEqual({
      invitationId: 'inv-1',
      sendSequence: 3,
    });
  });

  it('R5: a resend issues a different token (the old one names the old sequence)', () => {
    const first = tokens.issue({ invitationId: 'inv-1', sendSequence: 1 });
    const second = tokens.issue({ invitationId: 'inv-1', sendSequence: 2 });
    expect(first).not.toBe(second);
    expect(tokens.verify(first)?.sendSequence).toBe(1);
  });

  it('rejects a tampered id, sequence or mac, and tokens from another key', () => {
    const token = tokens.issue({ invitationId: 'inv-1', sendSequence: 1 });
    const [id, seq, mac] = token.split('.') as [string, string, string];
    expect(tokens.verify(`inv-2.${seq}.${mac}`)).toBeUndefined();
    expect(tokens.verify(`${id}.2.${mac}`)).toBeUndefined();
    expect(tokens.verify(`${id}.${seq}.${mac.slice(0, -1)}A`)).toBeUndefined();
    expect(new InvitationTokens('y'.repeat(32)).verify(token)).toBeUndefined();
  });

  it('rejects malformed tokens without throwing', () => {
    for (const bad of ['', 'a', 'a.b', 'a.b.c.d', '.1.x', 'a.-1.x', 'a.1e3.x']) {
      expect(tokens.verify(bad)).toBeUndefined();
    }
  });

  it('refuses a short secret', () => {
    expect(() => new InvitationTokens('short')).toThrow(/at least 32 bytes/);
  });
});

describe('invitation tokens across a rotation of the secret', () => {
  const previous = 'p'.repeat(32);
  const next = 'n'.repeat(32);
  const claims = { invitationId: 'inv-1', sendSequence: 2 };

  it('links made with either secret verify while both are known, and are made with the current one only', () => {
    const learning = new InvitationTokens(previous, [next]); // phase 1: everyone accepts the next secret
    const switched = new InvitationTokens(next, [previous]); // phase 2: links are made with it
    const oldLink = learning.issue(claims);
    const newLink = switched.issue(claims);
    expect(oldLink).toBe(new InvitationTokens(previous).issue(claims));
    expect(newLink).toBe(new InvitationTokens(next).issue(claims));
    for (const tokens of [learning, switched]) {
      expect(tokens.verify(oldLink)).toEqual(claims);
      expect(tokens.verify(newLink)).toEqual(claims);
    }
    // phase 3: the previous secret dropped, its links no longer verify; a secret never configured never did
    expect(new InvitationTokens(next).verify(oldLink)).toBeUndefined();
    expect(new InvitationTokens('x'.repeat(32), [next]).verify(oldLink)).toBeUndefined();
  });

  it('a short secret is refused in either place', () => {
    expect(() => new InvitationTokens(previous, ['short'])).toThrow(/at least 32 bytes/);
  });
});
