import { DomainError, fold, type Decider, type DomainEvent } from '@app/domain';
import { documentedErrorKinds } from './documented-errors';

/**
 * Given events, when a command, then events or a refusal. A refusal never passes for "no events": `then([])` fails
 * when the command was refused, and `thenRefuses` fails when it was decided, so a test tells an idempotent no-op
 * from a refused command.
 *
 *   const { given } = deciderSpec(organizationDecider());
 *   given(history).when(command).then([event]);
 *   given(history).when(command).thenRefuses('owner-only');
 */
export function deciderSpec<State, Command, Event extends DomainEvent>(
  decider: Decider<State, Command, Event>,
) {
  return {
    given: (history: readonly Event[] = []) => {
      const state = () => fold(decider, history);
      return {
        /** The state the history folds to. */
        state,
        when: (command: Command) => new Expectation(decider, history, state(), command),
      };
    },
  };
}

type Outcome<Event> = { readonly events: readonly Event[] } | { readonly refusal: DomainError };

class Expectation<State, Command, Event extends DomainEvent> {
  /** What `decide` did: events, or a DomainError (anything else is thrown out of `when`). */
  readonly outcome: Outcome<Event>;

  constructor(
    private readonly decider: Decider<State, Command, Event>,
    private readonly history: readonly Event[],
    state: State,
    command: Command,
  ) {
    try {
      this.outcome = { events: decider.decide(command, state) };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.outcome = { refusal: error };
    }
  }

  /** The command is decided (not refused) with exactly these events; `[]` is an accepted no-op. */
  then(expected: readonly Event[]): this {
    expect(this.decided()).toEqual(expected);
    return this;
  }

  /** The command is decided with events of these types, in this order. */
  thenTypes(types: readonly Event['type'][]): this {
    expect(this.decided().map((e) => e.type)).toEqual(types);
    return this;
  }

  /** The command is refused with this code (and, when given, details containing these). */
  thenRefuses(code: string, details?: Readonly<Record<string, unknown>>): DomainError {
    if (!('refusal' in this.outcome)) {
      throw new Error(
        `expected a refusal with ${code}, but the command was decided: ${JSON.stringify(this.outcome.events.map((e) => e.type))}`,
      );
    }
    expect(this.outcome.refusal.code).toBe(code);
    if (details) expect(this.outcome.refusal.details).toMatchObject(details);
    return this.refused();
  }

  /**
   * The refusal (failing the test if the command was decided). Every refusal is held to docs/errors.md: its code is
   * documented with the kind it has (the kind makes the HTTP status), and it says why in a message.
   */
  refused(): DomainError {
    if (!('refusal' in this.outcome))
      throw new Error(
        `expected a refusal, but the command was decided: ${JSON.stringify(this.outcome.events.map((e) => e.type))}`,
      );
    const { code, kind, message } = this.outcome.refusal;
    expect({ code, kind: documentedErrorKinds().get(code)?.has(kind) ? 'as documented' : kind }).toEqual({
      code,
      kind: 'as documented',
    });
    expect(message.trim()).not.toBe('');
    return this.outcome.refusal;
  }

  /** The events decided (failing the test if the command was refused). */
  decided(): readonly Event[] {
    if ('refusal' in this.outcome) {
      const { code, message } = this.outcome.refusal;
      throw new Error(`expected the command to be decided, but it was refused: ${code} (${message})`);
    }
    return this.outcome.events;
  }

  /** The state after the history and the decided events. */
  state(): State {
    return fold(this.decider, [...this.history, ...this.decided()]);
  }
}
