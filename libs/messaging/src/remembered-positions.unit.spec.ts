import { RememberedPositions } from './remembered-positions';

describe('RememberedPositions (where an ephemeral group member goes on after a rejoin)', () => {
  it('seeks each partition it kept to the message after the last one done, and nothing it never read', () => {
    const positions = new RememberedPositions();
    positions.handled('replies', 0, '41');
    positions.handled('replies', 0, '42');
    positions.handled('replies', 2, '9007199254740993');
    positions.handled('other', 1, '7');
    expect(positions.within({ replies: [0, 1, 2] })).toEqual([
      { topic: 'replies', partition: 0, offset: '43' },
      { topic: 'replies', partition: 2, offset: '9007199254740994' },
    ]);
    expect(positions.within({ other: [0] })).toEqual([]);
    expect(positions.within({})).toEqual([]);
  });
});
