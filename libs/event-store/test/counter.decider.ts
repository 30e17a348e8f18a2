import { type Decider, DomainError } from '@app/domain';

/** A tiny aggregate for testing the store: an account that may not go below zero. */
export type CounterEvent =
  | { type: 'Opened'; data: { id: string } }
  | { type: 'Added'; data: { amount: number } }
  | { type: 'Withdrawn'; data: { amount: number } };
export type CounterCommand =
  | { type: 'Open'; id: string }
  | { type: 'Add'; amount: number }
  | { type: 'Withdraw'; amount: number }
  /** A no-op when the balance is already `amount`. */
  | { type: 'SetBalance'; amount: number };
export type CounterState = { opened: boolean; balance: number; events: number };

export const counterDecider: Decider<CounterState, CounterCommand, CounterEvent> = {
  initialState: () => ({ opened: false, balance: 0, events: 0 }),
  evolve: (s, e) => {
    switch (e.type) {
      case 'Opened':
        return { ...s, opened: true, events: s.events + 1 };
      case 'Added':
        return { ...s, balance: s.balance + e.data.amount, events: s.events + 1 };
      case 'Withdrawn':
        return { ...s, balance: s.balance - e.data.amount, events: s.events + 1 };
    }
  },
  decide: (c, s) => {
    switch (c.type) {
      case 'Open':
        return s.opened ? [] : [{ type: 'Opened', data: { id: c.id } }];
      case 'Add':
        return [{ type: 'Added', data: { amount: c.amount } }];
      case 'Withdraw':
        if (s.balance < c.amount)
          throw new DomainError('insufficient-balance', 'rule-violation', 'balance too low');
        return [{ type: 'Withdrawn', data: { amount: c.amount } }];
      case 'SetBalance':
        return s.balance === c.amount ? [] : [{ type: 'Added', data: { amount: c.amount - s.balance } }];
    }
  },
};
