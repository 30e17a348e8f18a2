import { randomUUID } from 'node:crypto';
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
});
