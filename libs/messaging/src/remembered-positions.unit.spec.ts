import { RememberedPositions } from './remembered-positions';

describe('RememberedPositions (where an ephemeral group member goes on after a rejoin)', () => {
  it('seeks each partition it kept to the message after the last one done, or to where it started', () => {
    const positions = new RememberedPositions();
    positions.startAt('replies', 0, '40');
    positions.startAt('replies', 1, '7');
    positions.handled('replies', 0, '41');
    positions.handled('replies', 0, '42');
    positions.startAt('replies', 0, '40'); // a later start does not take it back
    positions.handled('replies', 2, '9007199254740993');
    positions.handled('other', 1, '7');
    expect(positions.within({ replies: [0, 1, 2, 3] })).toEqual([
      { topic: 'replies', partition: 0, offset: '43' },
      { topic: 'replies', partition: 1, offset: '7' },
      { topic: 'replies', partition: 2, offset: '9007199254740994' },
    ]);
    expect(positions.within({ other: [0] })).toEqual([]);
    expect(positions.within({})).toEqual([]);
  });
});
