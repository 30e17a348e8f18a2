import { WriteBatcher } from './write-batcher';

/** A write the test ends by hand, recording each batch it was given. */
function controlledWrite() {
  const batches: number[][] = [];
  const pending: { resolve: (answers: string[]) => void; reject: (error: unknown) => void }[] = [];
  const write = (items: number[]) => {
    batches.push(items);
    return new Promise<string[]>((resolve, reject) => pending.push({ resolve, reject }));
  };
  let settled = 0;
  /** Ends the oldest write still in flight with the answer made from its items, then lets the batcher go on. */
  const settle = async (answer: (items: number[]) => string[] | Error) => {
    const items = batches[settled++]!;
    const next = pending.shift()!;
    const outcome = answer(items);
    if (outcome instanceof Error) next.reject(outcome);
    else next.resolve(outcome);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batches, write, settle };
}

describe('WriteBatcher (group commit of the delivery log writes)', () => {
  it('sends the first write at once, and what arrives meanwhile together in the next batch', async () => {
    const { batches, write, settle } = controlledWrite();
    const batcher = new WriteBatcher(write);
    const answers = [1, 2, 3, 4].map((n) => batcher.submit(n));
    expect(batches).toEqual([[1]]);
    await settle((items) => items.map((n) => `a${n}`));
    expect(batches).toEqual([[1], [2, 3, 4]]);
    await settle((items) => items.map((n) => `b${n}`));
    // each caller gets the answer for its own item
    await expect(Promise.all(answers)).resolves.toEqual(['a1', 'b2', 'b3', 'b4']);
    // idle again: the next write goes at once, alone
    const later = batcher.submit(5);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    await settle((items) => items.map((n) => `c${n}`));
    await expect(later).resolves.toBe('c5');
  });

  it('a failed batch refuses every item of it, and the next batch is written', async () => {
    const { batches, write, settle } = controlledWrite();
    const batcher = new WriteBatcher(write);
    const first = batcher.submit(1);
    const second = [batcher.submit(2), batcher.submit(3)];
    const refused = Promise.allSettled(second);
    await settle((items) => items.map(String));
    await settle(() => new Error('connection reset'));
    expect(await refused).toEqual([
      { status: 'rejected', reason: new Error('connection reset') },
      { status: 'rejected', reason: new Error('connection reset') },
    ]);
    await expect(first).resolves.toBe('1');
    const after = batcher.submit(4);
    expect(batches.at(-1)).toEqual([4]);
    await settle((items) => items.map(String));
    await expect(after).resolves.toBe('4');
  });

  it('keeps batches within the maximum size', async () => {
    const { batches, write, settle } = controlledWrite();
    const batcher = new WriteBatcher(write, 2);
    const answers = [1, 2, 3, 4, 5, 6].map((n) => batcher.submit(n));
    for (let i = 0; i < 4; i++) await settle((items) => items.map(String));
    expect(batches).toEqual([[1], [2, 3], [4, 5], [6]]);
    await expect(Promise.all(answers)).resolves.toEqual(['1', '2', '3', '4', '5', '6']);
  });
});
