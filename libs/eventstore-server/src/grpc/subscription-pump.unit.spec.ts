import { EventEmitter } from 'node:events';
import { pump, type ReadCall } from './subscription-pump';

/**
 * The moment asked about cannot be brought about through a real client on purpose (the server's send buffer full just
 * as the subscriber catches up, and a commit landing while it waits), so the call is a stand-in whose buffer is full
 * when told to be.
 */
class SlowSubscriber extends EventEmitter {
  cancelled = false;
  sent: string[] = [];
  full = false;

  write(message: { hasCaughtUp(): boolean; hasConfirmation(): boolean }): boolean {
    this.sent.push(message.hasCaughtUp() ? 'caught-up' : message.hasConfirmation() ? 'confirmed' : 'other');
    return !this.full;
  }
}

class Commits {
  private readonly listeners = new Set<() => void>();
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  commit(): void {
    for (const listener of this.listeners) listener();
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('a subscription going live', () => {
  it('delivers an event committed while its caught-up message waited for the subscriber, without another commit', async () => {
    const call = new SlowSubscriber();
    const commits = new Commits();
    const log: string[] = [];
    let next = 0;
    const step = async () => {
      if (next >= log.length) return false;
      call.sent.push(log[next++]!);
      return true;
    };
    call.full = true;
    const running = pump(commits, call as unknown as ReadCall, step, async () => undefined);
    await turn();
    call.emit('drain'); // took the confirmation; the caught-up message fills the buffer again
    await turn();
    expect(call.sent).toEqual(['confirmed', 'caught-up']);
    log.push('e1');
    commits.commit();
    call.full = false;
    call.emit('drain');
    await turn();

    expect(call.sent).toEqual(['confirmed', 'caught-up', 'e1']);
    call.emit('cancelled');
    commits.commit();
    await running;
  });

  it('ends when the call ends while it waits for the subscriber to take more', async () => {
    const call = new SlowSubscriber();
    const commits = new Commits();
    call.full = true;
    const running = pump(commits, call as unknown as ReadCall, async () => false, async () => undefined);
    await turn();
    call.cancelled = true;
    call.emit('cancelled');

    await expect(running).resolves.toBeUndefined();
  });
});
