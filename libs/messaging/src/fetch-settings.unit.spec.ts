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
});
