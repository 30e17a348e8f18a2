import { OutageSetAside, SET_ASIDE_FROM_MS } from './outage-set-aside';

/** A partition's pause as kafkajs' eachBatch gives it: pausing answers the resume. */
function partitionControl() {
  const events: string[] = [];
  const pause = () => {
    events.push('paused');
    return () => events.push('resumed');
  };
  return { events, pause };
}

const message = { topic: 't', partition: 1, offset: '42' };

describe('OutageSetAside (a Kafka consumer waiting out an outage with the partition paused)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits a short backoff in place: nothing paused, nothing remembered', () => {
    const aside = new OutageSetAside();
    const { events, pause } = partitionControl();
    expect(aside.setAside(message, 3, SET_ASIDE_FROM_MS - 1, pause)).toBe(false);
    expect(events).toEqual([]);
    expect(aside.takeAttempts('t', 1, '42')).toBe(0);
  });

  it('pauses the partition until the next try is due, and gives the attempts back once, to that message only', () => {
    const aside = new OutageSetAside();
    const { events, pause } = partitionControl();
    expect(aside.setAside(message, 4, 2_000, pause)).toBe(true);
    expect(events).toEqual(['paused']);
    jest.advanceTimersByTime(1_999);
    expect(events).toEqual(['paused']);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['paused', 'resumed']);
    expect(aside.takeAttempts('t', 1, '43')).toBe(0);
    expect(aside.takeAttempts('t', 2, '42')).toBe(0);
    expect(aside.takeAttempts('t', 1, '42')).toBe(4);
    expect(aside.takeAttempts('t', 1, '42')).toBe(0);
  });

  it('two messages of one partition set aside: resumed once, at the later of their times', () => {
    const aside = new OutageSetAside();
    const { events, pause } = partitionControl();
    aside.setAside(message, 1, 3_000, pause);
    aside.setAside({ ...message, offset: '44' }, 2, 1_500, pause);
    jest.advanceTimersByTime(2_999);
    expect(events).toEqual(['paused', 'paused']);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['paused', 'paused', 'resumed']);
    aside.setAside(message, 1, 1_000, pause);
    aside.setAside({ ...message, offset: '44' }, 2, 2_000, pause);
    jest.advanceTimersByTime(1_999);
    expect(events.filter((e) => e === 'resumed')).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(events.filter((e) => e === 'resumed')).toHaveLength(2);
    expect(aside.takeAttempts('t', 1, '44')).toBe(2);
  });

  it('once closed, sets nothing aside and resumes nothing it paused', () => {
    const aside = new OutageSetAside();
    const { events, pause } = partitionControl();
    aside.setAside(message, 1, 2_000, pause);
    aside.close();
    jest.advanceTimersByTime(10_000);
    expect(events).toEqual(['paused']);
    expect(aside.setAside(message, 2, 2_000, pause)).toBe(false);
    expect(events).toEqual(['paused']);
  });
});
