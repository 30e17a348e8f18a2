import { type AggregateStore, type AppliedCommand, type CommandResult } from '@app/event-store';
import { DomainError } from '@app/domain';
import { type LoginAccount, type UserLookup } from '../login/login.service';
import { type UserCommand } from '../users/user.commands';
import { userDecider, type ActiveUser, type UserState } from '../users/user.decider';
import { userStreamName, type UserEvent } from '../users/user.events';
import { type IdentifierReservations } from './identifier-reservations';
import { type LoginIndex } from './login-index';

export interface CommandContext {
  readonly commandId: string;
  readonly correlationId?: string;
  /** What the command asked (addresses left out): the same id asking something else is `command-id-reused`. */
  readonly fingerprint?: string;
}

/** The same command id asking something else than what it was recorded with. */
export function commandIdReused(context: CommandContext): DomainError {
  return new DomainError('command-id-reused', 'conflict', 'this command id was used for another command', {
    commandId: context.commandId,
  });
}

/**
 * The user aggregate on the event store, and the login lookup. Lookups go through the e-mail reservation stream and
 * the user stream, so a user can sign in the moment registration answered (no read model lag on the login path).
 */
export class UserAccounts implements UserLookup {
  private readonly aggregate = { decider: userDecider };

  constructor(
    private readonly store: AggregateStore,
    private readonly reservations: IdentifierReservations,
    private readonly index?: LoginIndex,
  ) {}

  async load(userId: string): Promise<UserState> {
    return (await this.store.load(userStreamName(userId), this.aggregate)).state;
  }

  async active(userId: string): Promise<ActiveUser> {
    const state = await this.load(userId);
    if (state.status !== 'active')
      throw new DomainError('user-not-found', 'not-found', 'no such user', { userId });
    return state;
  }

  async findActiveByEmail(normalizedEmail: string): Promise<ActiveUser | undefined> {
    const holder = await this.reservations.holderOf('email', normalizedEmail);
    if (!holder) return undefined;
    const state = await this.load(holder);
    return state.status === 'active' && state.email === normalizedEmail ? state : undefined;
  }

  /**
   * The account signing in with this address. The address's holder is read from the store whether or not the index
   * knows it, so that an unknown address, which the index cannot answer, takes no longer to refuse than a known one.
   */
  async findByEmail(normalizedEmail: string): Promise<LoginAccount | null> {
    const indexed = this.index?.find(normalizedEmail);
    const holder = await this.reservations.holderOf('email', normalizedEmail);
    if (!holder) return null;
    if (indexed?.userId === holder) return indexed;
    const state = await this.load(holder);
    return state.status === 'active' && state.email === normalizedEmail
      ? { userId: holder, locked: state.locked, twoFactorEnabled: state.twoFactorEnabled }
      : null;
  }

  async current(userId: string): Promise<LoginAccount | null> {
    const state = await this.load(userId);
    return state.status === 'active'
      ? { userId, locked: state.locked, twoFactorEnabled: state.twoFactorEnabled }
      : null;
  }

  /** Whether the account's stream recorded a command with this id (its retry then finds its work done). */
  async applied(userId: string, commandId: string): Promise<boolean> {
    const { commands } = await this.store.load(userStreamName(userId), this.aggregate);
    return commands.get(commandId) !== undefined;
  }

  /**
   * `command-id-reused` when the account's stream recorded this command id for another command: checked before the
   * commands whose work (a new hash, a second factor, an erasure) is done before their event is appended, which would
   * otherwise be done and then answered as the earlier command's retry, with no event of its own.
   * Resolves with where the same command landed when this is its retry (the same id, asking the same).
   */
  async refuseReusedCommandId(userId: string, context: CommandContext): Promise<AppliedCommand | undefined> {
    if (!context.fingerprint) return undefined;
    const { commands } = await this.store.load(userStreamName(userId), this.aggregate);
    const applied = commands.get(context.commandId);
    if (applied?.fingerprint !== undefined && applied.fingerprint !== context.fingerprint)
      throw commandIdReused(context);
    return applied?.fingerprint === context.fingerprint ? applied : undefined;
  }

  execute(command: UserCommand, context: CommandContext): Promise<CommandResult<UserState, UserEvent>> {
    return this.store.handle(userStreamName(command.userId), this.aggregate, command, {
      commandId: context.commandId,
      actor: command.actorId,
      ...(context.correlationId ? { correlationId: context.correlationId } : {}),
      ...(context.fingerprint ? { fingerprint: context.fingerprint } : {}),
    });
  }
}
