import { OneAtATime } from './one-at-a-time';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('one at a time per key', () => {
  it('runs the work of one key in order, never two at once, and other keys alongside', async () => {
    const queue = new OneAtATime();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const work = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([
      queue.run('a', work('a1')),
      queue.run('a', work('a2')),
      queue.run('a', work('a3')),
    ]);
    expect(results).toEqual(['a1', 'a2', 'a3']);
    expect(log).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(most).toBe(1);

    log.length = 0;
    await Promise.all([queue.run('a', work('a')), queue.run('b', work('b'))]);
    expect(log).toEqual(['start a', 'start b', 'end a', 'end b']);
  });

  it('a failure is its caller’s alone: the next piece of work runs, and nothing is kept once all is done', async () => {
    const queue = new OneAtATime();
    const failed = queue.run('a', async () => {
      throw new Error('refused');
    });
    const next = queue.run('a', async () => 'ran');
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('ran');
    await tick();
    expect(queue.size).toBe(0);
  });
});
