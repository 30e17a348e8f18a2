import { isContention, isDependencyOutage } from '@app/messaging';
import { throwIfTransient } from './system-command';

describe('a reaction’s command refused', () => {
  it('for a lost race fails as contention, which the bus retries without counting; any other refusal is kept', () => {
    let thrown: unknown;
    try {
      throwIfTransient('concurrency-conflict', 'RemoveDeletedUser in o1');
    } catch (error) {
      thrown = error;
    }
    expect(isContention(thrown)).toBe(true);
    expect(isDependencyOutage(thrown)).toBe(false);
    expect(() => throwIfTransient('member-not-found', 'RemoveDeletedUser in o1')).not.toThrow();
  });
});
