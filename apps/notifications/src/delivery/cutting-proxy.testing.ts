import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

interface Cut {
  readonly matches: (request: Buffer) => boolean;
  /** `request`: the server never sees it. `reply`: the server acts on it, and its answer is lost. */
  readonly when: 'request' | 'reply';
  readonly done: () => void;
}

/**
 * A TCP proxy in front of a real server that cuts the connection carrying the next request that matches: a network
 * failure at a chosen moment, for what a client does when a round trip fails. Matching is on the bytes of one chunk,
 * so it is meant for small requests (a command's name and collection, say).
 */
export async function startCuttingProxy(target: { host: string; port: number }) {
  let cut: Cut | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    let dropReply: (() => void) | undefined;
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        closeBoth();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (cut?.matches(chunk)) {
        const chosen = cut;
        cut = undefined;
        if (chosen.when === 'request') {
          closeBoth();
          chosen.done();
          return;
        }
        dropReply = chosen.done;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (dropReply) {
        closeBoth();
        dropReply();
        return;
      }
      client.write(chunk);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    /** Resolves once the next matching request was cut as asked. */
    cutNext(matches: Cut['matches'], when: Cut['when']): Promise<void> {
      return new Promise((done) => {
        cut = { matches, when, done };
      });
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Whether a chunk carries a MongoDB command `name` on `collection` (BSON: the command's key, then its string). */
export function mongoCommand(name: string, collection: string): (request: Buffer) => boolean {
  const key = Buffer.from(`${name}\0`);
  const value = Buffer.from(`${collection}\0`);
  return (request) => {
    const at = request.indexOf(key);
    return at >= 0 && request.indexOf(value, at) === at + key.length + 4;
  };
}
