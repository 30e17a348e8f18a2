import { fork } from 'node:child_process';
import { once } from 'node:events';
import {
  Client,
  Metadata,
  Server,
  ServerCredentials,
  credentials,
  type ServerDuplexStream,
} from '@grpc/grpc-js';
import { summarize } from './stats';

const METHOD = '/bench.Echo/Stream';
const passThrough = (bytes: Buffer): Buffer => bytes;

/**
 * What the transport alone costs the event-store figures: a grpc-js server in its own process that answers each
 * message on one long-lived bidirectional stream at once, as the embedded server answers BatchAppend, without storing
 * anything. Its round trip is the floor under an append's; its rate with 8 in flight, the ceiling over 8 writers'.
 */
export async function grpcEchoBaseline(
  messageBytes: number,
): Promise<{ p50: number; p99: number; rateAt8: number }> {
  const child = fork(__filename, ['serve'], { execArgv: ['-r', '@swc-node/register'] });
  try {
    const [port] = (await once(child, 'message')) as [number];
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    const stream = client.makeBidiStreamRequest<Buffer, Buffer>(
      METHOD,
      passThrough,
      passThrough,
      new Metadata(),
    );
    const waiting: (() => void)[] = [];
    stream.on('data', () => waiting.shift()?.());
    stream.on('error', () => undefined);
    const message = Buffer.alloc(messageBytes, 1);
    const roundTrip = () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        stream.write(message);
      });
    for (let i = 0; i < 500; i++) await roundTrip(); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = performance.now();
      await roundTrip();
      samples.push(performance.now() - t);
    }
    const perWriter = 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < perWriter; i++) await roundTrip();
      }),
    );
    const rateAt8 = (8 * perWriter) / ((performance.now() - started) / 1000);
    stream.end();
    client.close();
    return { ...summarize(samples), rateAt8 };
  } finally {
    child.kill();
  }
}

function serve(): void {
  const server = new Server();
  server.register(
    METHOD,
    (call: ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (message: Buffer) => call.write(message.subarray(0, 64)));
      call.on('end', () => call.end());
    },
    passThrough,
    passThrough,
    'bidi',
  );
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    process.send!(port);
  });
}

if (require.main === module && process.argv[2] === 'serve') serve();
