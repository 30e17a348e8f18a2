import { randomBytes, randomUUID } from 'node:crypto';
import { dataOf, metadataOf } from '../storage/stored-event';
import { makeTempDir } from '@app/testing';
import { StoreEngine } from './store-engine';
import { type ProposedEvent } from './expected-revision';

const event = (): ProposedEvent => ({
  eventId: randomUUID(),
  type: 'A',
  contentType: 'application/json',
  data: Buffer.from('{}'),
  metadata: Buffer.alloc(0),
});

describe('the store engine', () => {
  it("holds each event's data and metadata as appended, across payload buffers and after a restart", async () => {
    const dir = await makeTempDir('engine');
    const appended = Array.from({ length: 600 }, (_, i) => ({
      ...event(),
      data: randomBytes(1 + ((i * 37) % 4_000)),
      metadata: Buffer.from(JSON.stringify({ i })),
    }));
    const check = (engine: StoreEngine) =>
      engine.stream('s-1')!.committed.forEach((stored, i) => {
        expect(dataOf(stored).equals(appended[i]!.data)).toBe(true);
        expect(metadataOf(stored).toString('utf8')).toBe(JSON.stringify({ i }));
      });
    const first = await StoreEngine.open(dir, false);
    for (let i = 0; i < appended.length; i += 50)
      await first.engine.append('s-1', { kind: 'any' }, appended.slice(i, i + 50));
    check(first.engine);
    await first.engine.close();
    const reopened = await StoreEngine.open(dir, false);
    try {
      expect(reopened.engine.stream('s-1')!.committed).toHaveLength(600);
      check(reopened.engine);
    } finally {
      await reopened.engine.close();
    }
  });

  it('answers a loser once the revision it lost to can be read, so its next read shows what it lost to', async () => {
    const { engine } = await StoreEngine.open(await makeTempDir('engine'), true);
    try {
      await engine.append('s-1', { kind: 'any' }, [event()]);
      const winner = engine.append('s-1', { kind: 'exact', revision: 0 }, [event(), event()]);
      const loser = await engine.append('s-1', { kind: 'exact', revision: 0 }, [event()]);

      expect(loser).toMatchObject({ kind: 'wrong-expected-version', currentRevision: 2 });
      expect(engine.stream('s-1')!.committed).toHaveLength(3);
      expect(await winner).toMatchObject({ kind: 'success', currentRevision: 2 });
    } finally {
      await engine.close();
    }
  });

  it('answers a refused soft delete once the revision it lost to can be read, as it does a refused append', async () => {
    const { engine } = await StoreEngine.open(await makeTempDir('engine'), true);
    try {
      await engine.append('s-1', { kind: 'any' }, [event()]);
      const winner = engine.append('s-1', { kind: 'exact', revision: 0 }, [event(), event()]);
      const loser = await engine.softDelete('s-1', { kind: 'exact', revision: 0 });

      expect(loser).toMatchObject({ kind: 'wrong-expected-version', currentRevision: 2 });
      expect(engine.stream('s-1')!.committed).toHaveLength(3);
      expect(await winner).toMatchObject({ kind: 'success', currentRevision: 2 });
      expect(engine.stream('s-1')!.deleted).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('a retry under stream_exists after the stream was deleted is refused, not answered as done', async () => {
    const { engine } = await StoreEngine.open(await makeTempDir('engine'), true);
    try {
      await engine.append('s-1', { kind: 'any' }, [event()]);
      const second = event();
      expect(await engine.append('s-1', { kind: 'stream_exists' }, [second])).toMatchObject({
        kind: 'success',
        currentRevision: 1,
      });
      expect(await engine.append('s-1', { kind: 'stream_exists' }, [second])).toMatchObject({
        kind: 'success',
        currentRevision: 1,
      });
      await engine.softDelete('s-1', { kind: 'any' });
      expect(await engine.append('s-1', { kind: 'stream_exists' }, [second])).toMatchObject({
        kind: 'wrong-expected-version',
      });
    } finally {
      await engine.close();
    }
  });

  it('keeps nothing of a stream that a refused or empty append named', async () => {
    const { engine } = await StoreEngine.open(await makeTempDir('engine'), true);
    try {
      expect(await engine.append('s-1', { kind: 'exact', revision: 3 }, [event()])).toMatchObject({
        kind: 'wrong-expected-version',
      });
      expect(await engine.append('s-2', { kind: 'any' }, [])).toEqual({ kind: 'success-no-stream' });
      expect([engine.stream('s-1'), engine.stream('s-2')]).toEqual([undefined, undefined]);
      await engine.append('s-3', { kind: 'no_stream' }, [event()]);
      expect(engine.stream('s-3')!.committed).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it('an id the log cannot hold fails that append only: nothing of it is kept, and the log reads back whole', async () => {
    const dataDir = await makeTempDir('engine');
    const first = await StoreEngine.open(dataDir, true);
    await first.engine.append('s-1', { kind: 'any' }, [event()]);
    const refused = first.engine.append('s-1', { kind: 'exact', revision: 0 }, [
      event(),
      { ...event(), eventId: 'order-1-evt' },
    ]);
    await expect(refused).rejects.toThrow(/not a UUID/);
    await first.engine.append('s-1', { kind: 'exact', revision: 0 }, [event()]);
    await first.engine.close();

    const second = await StoreEngine.open(dataDir, true);
    try {
      expect(second.truncatedBytes).toBe(0);
      expect(second.engine.stream('s-1')!.committed.map((e) => e.revision)).toEqual([0, 1]);
    } finally {
      await second.engine.close();
    }
  });
});
