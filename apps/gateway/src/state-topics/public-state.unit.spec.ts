import { stateStep } from './public-state';

describe('what the state topic gets for a change event', () => {
  it('waits while the read model is behind the event or has not seen the aggregate', () => {
    expect(stateStep(3, null)).toBe('wait');
    expect(stateStep(3, { revision: 2, deleted: false })).toBe('wait');
    expect(stateStep(3, { revision: 2, deleted: true })).toBe('wait');
  });

  it('skips an event the read model has moved past: the later event publishes', () => {
    expect(stateStep(3, { revision: 4, deleted: false })).toBe('skip');
    expect(stateStep(3, { revision: 4, deleted: true })).toBe('skip');
  });

  it('publishes the state at the read model revision, or a tombstone when that revision deleted it', () => {
    expect(stateStep(3, { revision: 3, deleted: false })).toBe('publish');
    expect(stateStep(3, { revision: 3, deleted: true })).toBe('tombstone');
  });
});
