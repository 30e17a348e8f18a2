import { handleInKeyedLanes } from './keyed-lanes';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('handleInKeyedLanes', () => {
  it('keeps each key in order, runs keys side by side, and finishes without an onCommittable', async () => {
    const messages = ['a1', 'b1', 'a2', 'b2', 'a3'];
    const log: string[] = [];
    let active = 0;
    let most = 0;
    // a1 is slow until b's lane is through (or 2 s pass, if lanes waited on one another): no race with a timer.
    let bThrough: () => void = () => undefined;
    const bLaneDone = new Promise<void>((resolve) => (bThrough = resolve));
    const done = await handleInKeyedLanes(
      messages,
      (m) => m[0]!,
      async (m) => {
        most = Math.max(most, ++active);
        await (m === 'a1' ? Promise.race([bLaneDone, pause(2_000)]) : pause(1));
        if (m === 'b2') bThrough();
        log.push(m);
        active--;
        return true;
      },
      { concurrency: 4 },
    );
    expect(done).toBe(5);
    expect(log.filter((m) => m.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(log.filter((m) => m.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(log.indexOf('b2')).toBeLessThan(log.indexOf('a1')); // b did not wait for a's slow first message
    expect(most).toBe(2);
  });

  it('commits only up to the lowest unfinished message', async () => {
    const committed: number[] = [];
    const finished: string[] = [];
    // a1 finishes only once b's lane is through (or 2 s pass, if lanes waited on one another).
    let bThrough: () => void = () => undefined;
    const bLaneDone = new Promise<void>((resolve) => (bThrough = resolve));
    await handleInKeyedLanes(
      ['a1', 'b1', 'b2'],
      (m) => m[0]!,
      async (m) => {
        await (m === 'a1' ? Promise.race([bLaneDone, pause(2_000)]) : pause(1));
        finished.push(m);
        if (m === 'b2') bThrough();
        return true;
      },
      {
        concurrency: 4,
        onCommittable: (i) => committed.push(i),
      },
    );
    expect(finished).toEqual(['b1', 'b2', 'a1']);
    expect(committed).toEqual([0, 1, 2]); // b1 and b2 finished first, but count only once a1 did
  });

  it('a failure to record progress stops the batch like a failed handler', async () => {
    const handled: string[] = [];
    await expect(
      handleInKeyedLanes(
        ['a1', 'a2', 'a3'],
        () => 'a',
        async (m) => {
          handled.push(m);
          return true;
        },
        {
          concurrency: 4,
          onCommittable: (i) => {
            if (i === 0) throw new Error('rebalancing');
          },
        },
      ),
    ).rejects.toThrow('rebalancing');
    expect(handled).toEqual(['a1']);
  });
});
