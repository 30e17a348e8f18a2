import { InProcessBus } from './in-process-bus';
import { type MessageBus } from './message-bus';
import { RequesterOnFirstUse } from './requester-on-first-use';

describe('a requester started on first use', () => {
  it('whose start failed (the broker out of reach) starts again on the next use, and is closed at shutdown', async () => {
    const bus = new InProcessBus();
    let reachable = false;
    // The in-process bus is never out of reach: its topic set-up fails here until the broker "is back".
    const flaky: MessageBus = Object.assign(Object.create(bus) as MessageBus, {
      ensureTopics: (...args: Parameters<MessageBus['ensureTopics']>) =>
        reachable ? bus.ensureTopics(...args) : Promise.reject(new Error('connect ECONNREFUSED')),
    });
    const requester = new RequesterOnFirstUse(flaky, 'identity');

    await expect(requester.get()).rejects.toThrow('ECONNREFUSED');
    reachable = true;
    const client = await requester.get();
    expect(client.replyTopic).toBe('replies.identity');
    expect(await requester.get()).toBe(client);

    await requester.close();
    await bus.close();
  });

  it('closes nothing when it never started, or its start failed', async () => {
    const bus = new InProcessBus();
    await new RequesterOnFirstUse(bus, 'identity').close();
    const failing = new RequesterOnFirstUse(
      Object.assign(Object.create(bus) as MessageBus, {
        ensureTopics: () => Promise.reject(new Error('down')),
      }),
      'identity',
    );
    await expect(failing.get()).rejects.toThrow('down');
    await expect(failing.close()).resolves.toBeUndefined();
    await bus.close();
  });
});
