import { randomUUID } from 'node:crypto';
import { type ServerWritableStream } from '@grpc/grpc-js';
import { type StoreEngine } from '../engine/store-engine';
import { streamsPb } from './generated';

const { ReadResp } = streamsPb;
type ReadReqT = InstanceType<typeof streamsPb.ReadReq>;
type ReadRespT = InstanceType<typeof ReadResp>;
export type ReadCall = ServerWritableStream<ReadReqT, ReadRespT>;

/** Waits for the client to take more when its buffer is full, or for the call to end (no `drain` comes then). */
export async function write(call: ReadCall, message: ReadRespT): Promise<void> {
  if (call.write(message)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      for (const event of ['drain', 'close', 'cancelled', 'error']) call.off(event, done);
      resolve();
    };
    for (const event of ['drain', 'close', 'cancelled', 'error']) call.once(event, done);
  });
}

/**
 * Catch-up then live, from one cursor over committed events: the same loop serves history and new commits, so there
 * is neither a gap nor a duplicate at the switch. Backpressure comes from the gRPC stream's `drain`.
 */
export async function pump(
  engine: Pick<StoreEngine, 'onCommit'>,
  call: ReadCall,
  step: () => Promise<boolean>,
  onCaughtUp: () => Promise<void>,
): Promise<void> {
  let closed = false;
  let commits = 0;
  let wake: (() => void) | undefined;
  const stopListening = engine.onCommit(() => {
    commits++;
    wake?.();
    wake = undefined;
  });
  const close = () => {
    closed = true;
    wake?.();
  };
  call.on('cancelled', close);
  call.on('close', close);
  call.on('error', close);
  try {
    await write(
      call,
      new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())),
    );
    let caughtUp = false;
    while (!closed && !call.cancelled) {
      const seen = commits;
      if (await step()) continue;
      if (!caughtUp) {
        caughtUp = true;
        await write(call, new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
      }
      await onCaughtUp();
      if (closed) break;
      // A commit while the caught-up messages waited for the client (nobody was waiting to be woken) is read now.
      if (commits !== seen) continue;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stopListening();
  }
}
