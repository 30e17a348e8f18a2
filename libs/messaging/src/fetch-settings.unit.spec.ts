import { REACTION_GATHER_MS, fetchSettings } from '@app/messaging';

describe('how a Kafka subscriber’s fetches wait at the broker', () => {
  it('answers at the first message by default, and polls every 100 ms when there is none', () => {
    expect(fetchSettings({})).toEqual({ maxWaitTimeInMs: 100 });
  });

  it('lets a gathering subscriber’s fetch wait for 64 KiB of messages, at most its gathering time', () => {
    expect(fetchSettings({ gatherMs: 250 })).toEqual({ minBytes: 65_536, maxWaitTimeInMs: 250 });
    expect(fetchSettings({ gatherMs: REACTION_GATHER_MS })).toEqual({
      minBytes: 65_536,
      maxWaitTimeInMs: 100,
    });
  });

  it('refuses a gathering time that would make an idle consumer spin (0) or hold its heartbeats back (over a second)', () => {
    for (const gatherMs of [0, -5, 1.5, 1_001, Number.NaN])
      expect(() => fetchSettings({ gatherMs })).toThrow(
        /gatherMs must be a whole number of milliseconds from 1 to 1000/,
      );
    expect(fetchSettings({ gatherMs: 1 })).toEqual({ minBytes: 65_536, maxWaitTimeInMs: 1 });
    expect(fetchSettings({ gatherMs: 1_000 })).toEqual({ minBytes: 65_536, maxWaitTimeInMs: 1_000 });
  });
});
