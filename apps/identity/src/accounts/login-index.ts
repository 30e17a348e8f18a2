import { type RecordedDomainEvent } from '@app/event-store';
import { type LoginAccount } from '../login/login.service';
import { type UserEvent } from '../users/user.events';

/**
 * E-mail -> what login needs, folded from the user streams in memory so the login path reads no user stream (only the
 * address's reservation, which it reads for known and unknown addresses alike). It lags the store by milliseconds: a
 * miss (e.g. a user registered a moment ago) or an entry for another holder falls back to the user stream.
 */
export class LoginIndex {
  private readonly accounts = new Map<string, { email: string; account: LoginAccount }>();
  /**
   * The accounts whose events named each address, latest last. Usually one: two only when a registration that lost
   * its address to another recorded its account anyway and is then withdrawn, which must not take the address's
   * entry from the account that keeps it.
   */
  private readonly holders = new Map<string, string[]>();

  apply({ event, streamName }: RecordedDomainEvent<UserEvent>): void {
    if (!streamName.startsWith('user-')) return;
    const { userId } = event.data;
    const known = this.accounts.get(userId);
    switch (event.type) {
      case 'UserRegistered':
        return this.set(userId, event.data.email, { userId, locked: false, twoFactorEnabled: false });
      case 'EmailChanged':
        if (known) this.set(userId, event.data.email, known.account);
        return;
      case 'TwoFactorEnabled':
      case 'TwoFactorDisabled':
        if (known)
          this.set(userId, known.email, {
            ...known.account,
            twoFactorEnabled: event.type === 'TwoFactorEnabled',
          });
        return;
      case 'UserLocked':
      case 'UserUnlocked':
        if (known) this.set(userId, known.email, { ...known.account, locked: event.type === 'UserLocked' });
        return;
      case 'UserDeleted':
        this.forget(userId);
        return;
      default:
        return;
    }
  }

  find(normalizedEmail: string): LoginAccount | undefined {
    const holder = this.holders.get(normalizedEmail)?.at(-1);
    return holder === undefined ? undefined : this.accounts.get(holder)?.account;
  }

  private set(userId: string, email: string, account: LoginAccount): void {
    if (this.accounts.get(userId)?.email !== email) {
      this.forget(userId);
      this.holders.set(email, [...(this.holders.get(email) ?? []), userId]);
    }
    this.accounts.set(userId, { email, account });
  }

  private forget(userId: string): void {
    const email = this.accounts.get(userId)?.email;
    this.accounts.delete(userId);
    if (email === undefined) return;
    const others = (this.holders.get(email) ?? []).filter((holder) => holder !== userId);
    if (others.length > 0) this.holders.set(email, others);
    else this.holders.delete(email);
  }
}
