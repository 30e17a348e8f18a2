import { SetAsideRetries, SET_ASIDE_FROM_MS } from './set-aside-retries';

/** A partition's pause through the consumer: pausing answers the resume. */
function partitionControl() {
  const events: string[] = [];
  const pause = (name = '') => {
    events.push(`paused${name}`);
    return () => void events.push(`resumed${name}`);
  };
  return { events, pause };
}

const message = { topic: 't', partition: 1, offset: '42' };
const progress = (attempt: number) => ({ attempt, failuresCounted: 1, contended: 0 });

describe('SetAsideRetries (a Kafka consumer waiting for a retry with the partition paused)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits a short backoff in place: nothing paused, nothing remembered', () => {
    const aside = new SetAsideRetries();
    const { events, pause } = partitionControl();
    expect(aside.setAside(message, progress(3), SET_ASIDE_FROM_MS - 1, pause)).toBe(false);
    expect(events).toEqual([]);
    expect(aside.takeProgress(message)).toBeUndefined();
  });

  it('waits in place when the partition cannot be paused (the consumer is not running)', () => {
    const aside = new SetAsideRetries();
    expect(aside.setAside(message, progress(3), 5_000, () => undefined)).toBe(false);
    expect(aside.takeProgress(message)).toBeUndefined();
  });

  it('pauses the partition until the next try is due, and gives its progress back once, to that message only', () => {
    const aside = new SetAsideRetries();
    const { events, pause } = partitionControl();
    expect(aside.setAside(message, progress(4), 2_000, pause)).toBe(true);
    expect(events).toEqual(['paused']);
    jest.advanceTimersByTime(1_999);
    expect(events).toEqual(['paused']);
    jest.advanceTimersByTime(1);
    expect(events).toEqual(['paused', 'resumed']);
    expect(aside.takeProgress({ ...message, offset: '43' })).toBeUndefined();
    expect(aside.takeProgress({ ...message, partition: 2 })).toBeUndefined();
    expect(aside.takeProgress(message)).toEqual(progress(4));
    expect(aside.takeProgress(message)).toBeUndefined();
  });

  it('two messages of one partition set aside: resumed once, at the later of their times, through the latest pause', () => {
    const aside = new SetAsideRetries();
    const { events, pause } = partitionControl();
    aside.setAside(message, progress(1), 3_000, () => pause('-a'));
    // A second pause (a restarted consumer paused the partition again) due sooner: the later time still holds.
    aside.setAside({ ...message, offset: '44' }, progress(2), 1_500, () => pause('-b'));
    jest.advanceTimersByTime(2_999);
    expect(events).toEqual(['paused-a', 'paused-b']);
    jest.advanceTimersByTime(1);
    expect(events.filter((e) => e.startsWith('resumed'))).toHaveLength(1);
    aside.setAside(message, progress(1), 1_000, () => pause('-c'));
    aside.setAside({ ...message, offset: '44' }, progress(2), 2_000, () => pause('-d'));
    jest.advanceTimersByTime(1_999);
    expect(events.filter((e) => e.startsWith('resumed'))).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(events.filter((e) => e.startsWith('resumed'))).toHaveLength(2);
    expect(aside.takeProgress({ ...message, offset: '44' })).toEqual(progress(2));
  });

  it('takes the messages done behind the one set aside as done once each, in their partition only', () => {
    const aside = new SetAsideRetries();
    aside.rememberFinished('t', 1, ['43', '45']);
    expect(aside.takeFinished({ ...message, offset: '44' })).toBe(false);
    expect(aside.takeFinished({ ...message, partition: 2, offset: '43' })).toBe(false);
    expect(aside.takeFinished({ ...message, offset: '43' })).toBe(true);
    expect(aside.takeFinished({ ...message, offset: '43' })).toBe(false);
    aside.rememberFinished('t', 1, ['46']);
    expect(aside.takeFinished({ ...message, offset: '45' })).toBe(false);
    expect(aside.takeFinished({ ...message, offset: '46' })).toBe(true);
    aside.rememberFinished('t', 1, ['47']);
    aside.rememberFinished('t', 1, []);
    expect(aside.takeFinished({ ...message, offset: '47' })).toBe(false);
  });

  it('forgets what it kept of partitions a rebalance gave to another member, and only those', () => {
    const aside = new SetAsideRetries();
    const pause = () => () => undefined;
    aside.setAside(message, progress(2), 2_000, pause);
    aside.setAside({ topic: 't', partition: 2, offset: '9' }, progress(3), 2_000, pause);
    aside.rememberFinished('t', 1, ['43']);
    aside.rememberFinished('t', 2, ['10']);
    aside.forgetAllBut({ t: [2], other: [1] });
    expect(aside.takeProgress(message)).toBeUndefined();
    expect(aside.takeFinished({ ...message, offset: '43' })).toBe(false);
    expect(aside.takeProgress({ topic: 't', partition: 2, offset: '9' })).toEqual(progress(3));
    expect(aside.takeFinished({ topic: 't', partition: 2, offset: '10' })).toBe(true);
    aside.close();
  });

  it('once closed, sets nothing aside and resumes nothing it paused', () => {
    const aside = new SetAsideRetries();
    const { events, pause } = partitionControl();
    aside.setAside(message, progress(1), 2_000, pause);
    aside.close();
    jest.advanceTimersByTime(10_000);
    expect(events).toEqual(['paused']);
    expect(aside.setAside(message, progress(2), 2_000, pause)).toBe(false);
    expect(events).toEqual(['paused']);
  });
});
