import { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpServerBehaviour {
  /** Refuse this many messages first (default 0)... */
  readonly failFirst?: number;
  /** ...with this reply code (default 451, a transient refusal; 550 is a permanent one). */
  readonly failWith?: number;
  /** Refuse messages to these recipients this many times each (with failWith), whatever failFirst says. */
  readonly refuseTo?: Readonly<Record<string, number>>;
  /**
   * Hold each message this long after its data arrived before answering (default 0), or as long as the function says
   * for the message's recipients (a test holds its own message, not others' left on a shared topic).
   */
  readonly answerAfterMs?: number | ((recipients: readonly string[]) => number);
  /** Told of each message as it is accepted (benchmarks time arrivals with it). */
  readonly onReceived?: (message: Received) => void;
  /** Listen on this port (default: any free one), e.g. to come back where a test's relay was down. */
  readonly port?: number;
}

/** A real SMTP server on loopback that keeps what it receives. */
export async function startSmtpServer(behaviour: SmtpServerBehaviour = {}): Promise<{
  url: string;
  received: Received[];
  /** Messages whose data arrived and that were then refused (failFirst). */
  refused: Received[];
  stop: () => Promise<void>;
  failNext: (count: number) => void;
  /** The recipients of every message whose data arrived, answered or not. */
  arrived: string[];
  /** Connections clients hold open now. */
  openConnections: () => number;
}> {
  const received: Received[] = [];
  const refused: Received[] = [];
  const arrived: string[] = [];
  let failures = behaviour.failFirst ?? 0;
  const refuseTo: Record<string, number> = { ...behaviour.refuseTo };
  const code = behaviour.failWith ?? 451;
  const server = new SMTPServer({
    authOptional: true,
    // A reverse DNS lookup per connection waits on a resolver this machine may not reach.
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        arrived.push(...recipients);
        const { answerAfterMs } = behaviour;
        const holdMs = typeof answerAfterMs === 'function' ? answerAfterMs(recipients) : (answerAfterMs ?? 0);
        if (holdMs > 0) setTimeout(answer, holdMs);
        else answer();
      });
      function answer() {
        const message = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        const refusedRecipient = message.to.find((to) => (refuseTo[to] ?? 0) > 0);
        if (refusedRecipient) refuseTo[refusedRecipient]!--;
        if (refusedRecipient || failures-- > 0) {
          refused.push(message);
          return callback(
            Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'mailbox busy'), {
              responseCode: code,
            }),
          );
        }
        received.push(message);
        behaviour.onReceived?.(message);
        callback();
      }
    },
  });
  // A client killed mid-session resets its connection: that is the client's end, not the server's failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(behaviour.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refused,
    arrived,
    openConnections: () => (server as unknown as { connections: Set<unknown> }).connections.size,
    failNext: (count: number) => {
      failures = count;
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
