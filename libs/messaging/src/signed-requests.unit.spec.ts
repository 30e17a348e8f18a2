import { RequestSigner, RequestSigningKeys, RequestVerifier } from './signed-requests';

describe('signed requests between our services', () => {
  const keys = new RequestSigningKeys('current-secret');
  const both = { gateway: keys, identity: keys };
  const request = { commandId: 'c1', orgId: 'o1', actorId: 'ada', command: { type: 'LeaveOrganization' } };

  it('a signed request verifies, naming its sender', () => {
    const signed = new RequestSigner(keys, 'gateway').sign(request);
    expect(new RequestVerifier(both).verify(signed)).toEqual({ ok: true, sender: 'gateway' });
    expect(new RequestVerifier(both).verify(JSON.parse(JSON.stringify(signed)))).toEqual({
      ok: true,
      sender: 'gateway',
    });
  });

  it('the signature covers every field, whatever their order, and the sender', () => {
    const signed = new RequestSigner(keys, 'gateway').sign(request);
    const verifier = new RequestVerifier(both);
    expect(verifier.verify({ ...signed, actorId: 'owner' })).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifier.verify({ ...signed, extra: true })).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifier.verify({ ...signed, auth: { ...signed.auth, sender: 'identity' } })).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    const reordered = {
      command: signed.command,
      auth: signed.auth,
      orgId: 'o1',
      actorId: 'ada',
      commandId: 'c1',
    };
    expect(verifier.verify(reordered)).toEqual({ ok: true, sender: 'gateway' });
  });

  it('unsigned, unknown senders and unknown keys are refused', () => {
    const verifier = new RequestVerifier(both);
    const signed = new RequestSigner(keys, 'identity').sign(request);
    expect(verifier.verify(request)).toEqual({ ok: false, reason: 'unsigned' });
    expect(verifier.verify(null)).toEqual({ ok: false, reason: 'not a request' });
    expect(verifier.verify({ ...signed, auth: { ...signed.auth, sender: 'system' } })).toEqual({
      ok: false,
      reason: 'unknown sender',
    });
    expect(verifier.verify({ ...signed, auth: { ...signed.auth, key: 'nope' } })).toEqual({
      ok: false,
      reason: 'unknown key',
    });
    expect(verifier.verify({ ...signed, auth: { ...signed.auth, signature: 'short' } })).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });

  it("each sender signs with its own key: one holding the gateway's cannot pass for identity", () => {
    const gatewayKeys = new RequestSigningKeys('gateway-secret');
    const identityKeys = new RequestSigningKeys('identity-secret');
    const verifier = new RequestVerifier({ gateway: gatewayKeys, identity: identityKeys });
    expect(verifier.verify(new RequestSigner(identityKeys, 'identity').sign(request))).toEqual({
      ok: true,
      sender: 'identity',
    });
    expect(verifier.verify(new RequestSigner(gatewayKeys, 'identity').sign(request))).toEqual({
      ok: false,
      reason: 'unknown key',
    });
    // A service that takes requests from the gateway alone refuses identity's, however signed.
    expect(
      new RequestVerifier({ gateway: gatewayKeys }).verify(
        new RequestSigner(identityKeys, 'identity').sign(request),
      ),
    ).toEqual({ ok: false, reason: 'not taken from identity' });
  });

  it('during a rotation the previous key still verifies, and the new one signs', () => {
    const old = new RequestSigner(new RequestSigningKeys('old-secret'), 'gateway').sign(request);
    const rotated = new RequestSigningKeys('new-secret', 'old-secret');
    expect(new RequestVerifier({ gateway: rotated }).verify(old)).toEqual({ ok: true, sender: 'gateway' });
    const fresh = new RequestSigner(rotated, 'gateway').sign(request);
    expect(new RequestVerifier({ gateway: new RequestSigningKeys('new-secret') }).verify(fresh)).toEqual({
      ok: true,
      sender: 'gateway',
    });
    expect(new RequestVerifier({ gateway: new RequestSigningKeys('old-secret') }).verify(fresh).ok).toBe(
      false,
    );
  });
});
