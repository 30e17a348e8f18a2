import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import canonicalize from 'canonicalize';

/** Who signed a request: the services that send commands. */
export type RequestSender = 'gateway' | 'identity';

export interface RequestAuth {
  readonly sender: RequestSender;
  /** Which key signed it (a rotation keeps the previous key accepted for a while). */
  readonly key: string;
  /** HMAC-SHA256 over the RFC 8785 canonical JSON of the request without `auth`, plus the sender. */
  readonly signature: string;
}

export type SignedRequest<T> = T & { readonly auth: RequestAuth };

interface Key {
  readonly id: string;
  readonly secret: Buffer;
}

/**
 * One sender's keys for command requests on the bus: the current one signs, it and the previous ones (during a
 * rotation) verify. Each sender has its own (`COMMAND_SIGNING_SECRET_GATEWAY`, `COMMAND_SIGNING_SECRET_IDENTITY`, and
 * their `_PREVIOUS` while rotating), held by that sender and by the services it sends to (HMAC: a receiver could sign
 * with them too), so the public gateway, holding only its own, cannot pass for identity.
 */
export class RequestSigningKeys {
  private readonly keys: readonly Key[];

  /** `current` signs; it and each of `previous` verify. */
  constructor(current: string, ...previous: (string | undefined)[]) {
    const secrets = [current, ...previous].filter((secret): secret is string => Boolean(secret));
    this.keys = [...new Set(secrets)].map((secret) => ({
      id: createHash('sha256').update(secret).digest('base64url').slice(0, 8),
      secret: Buffer.from(secret),
    }));
  }

  get current(): Key {
    return this.keys[0]!;
  }

  find(id: unknown): Key | undefined {
    return this.keys.find((k) => k.id === id);
  }
}

function mac(key: Key, sender: RequestSender, request: object): Buffer {
  const { auth: _auth, ...content } = request as { auth?: unknown };
  return createHmac('sha256', key.secret)
    .update(canonicalize({ sender, request: content }) ?? '')
    .digest();
}

/** Signs what one service sends: the receiver then knows the request, its actor included, came from that service. */
export class RequestSigner {
  constructor(
    private readonly keys: RequestSigningKeys,
    readonly sender: RequestSender,
  ) {}

  sign<T extends object>(request: T): SignedRequest<T> {
    const key = this.keys.current;
    const auth: RequestAuth = {
      sender: this.sender,
      key: key.id,
      signature: mac(key, this.sender, request).toString('base64url'),
    };
    return { ...request, auth };
  }
}

export type VerifiedSender =
  { readonly ok: true; readonly sender: RequestSender } | { readonly ok: false; readonly reason: string };

/** The keys of the senders a service takes requests from, by sender. */
export type SendersKeys = Readonly<Partial<Record<RequestSender, RequestSigningKeys>>>;

/**
 * Never trust an actor named in a message: a request counts only with a valid signature by one of our services, made
 * with that very service's key. The receiver then checks that this sender may send this command (see the command
 * descriptions).
 */
export class RequestVerifier {
  constructor(private readonly senders: SendersKeys) {}

  verify(raw: unknown): VerifiedSender {
    if (typeof raw !== 'object' || raw === null) return { ok: false, reason: 'not a request' };
    const auth = (raw as { auth?: Partial<RequestAuth> }).auth;
    if (!auth || typeof auth !== 'object') return { ok: false, reason: 'unsigned' };
    if (auth.sender !== 'gateway' && auth.sender !== 'identity')
      return { ok: false, reason: 'unknown sender' };
    const keys = this.senders[auth.sender];
    if (!keys) return { ok: false, reason: `not taken from ${auth.sender}` };
    const key = keys.find(auth.key);
    if (!key || typeof auth.signature !== 'string') return { ok: false, reason: 'unknown key' };
    const given = Buffer.from(auth.signature, 'base64url');
    const expected = mac(key, auth.sender, raw);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'bad signature' };
    return { ok: true, sender: auth.sender };
  }
}
