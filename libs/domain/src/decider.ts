/**
 * An aggregate as a pair of pure functions (emmett / Jérémie Chassaing's decider pattern).
 * No I/O, no clock, no randomness: time and ids arrive inside the command.
 */
export interface DomainEvent<Type extends string = string, Data extends object = object> {
  readonly type: Type;
  readonly data: Data;
}

export interface Decider<State, Command, Event extends DomainEvent> {
  readonly initialState: () => State;
  readonly evolve: (state: State, event: Event) => State;
  /** Returns the events the command produces, `[]` when it already took effect, or throws a DomainError. */
  readonly decide: (command: Command, state: State) => readonly Event[];
}

export function fold<State, Event extends DomainEvent>(
  decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
  from: State = decider.initialState(),
): State {
  let state = from;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
