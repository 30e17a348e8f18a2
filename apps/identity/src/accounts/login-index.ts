import { type RecordedDomainEvent } from '@app/event-store';
import { type LoginAccount } from '../login/login.service';
import { type UserEvent } from '../users/user.events';

/**
 * E-mail -> what login needs, folded from the user streams in memory so the login path reads no user stream (only the
 * address's reservation, which it reads for known and unknown addresses alike). It lags the store by milliseconds: a
 * miss (e.g. a user registered a moment ago) or an entry for another holder falls back to the user stream.
 */
export class LoginIndex {
  private readonly byEmail = new Map<string, LoginAccount>();
  private readonly emailOf = new Map<string, string>();

  apply({ event, streamName }: RecordedDomainEvent<UserEvent>): void {
    if (!streamName.startsWith('user-')) return;
    const { userId } = event.data;
    const email = this.emailOf.get(userId);
    const current = email ? this.byEmail.get(email) : undefined;
    switch (event.type) {
      case 'UserRegistered':
        return this.set(userId, event.data.email, { userId, locked: false, twoFactorEnabled: false });
      case 'EmailChanged':
        if (current) this.set(userId, event.data.email, current);
        return;
      case 'TwoFactorEnabled':
      case 'TwoFactorDisabled':
        if (current && email)
          this.byEmail.set(email, { ...current, twoFactorEnabled: event.type === 'TwoFactorEnabled' });
        return;
      case 'UserLocked':
      case 'UserUnlocked':
        if (current && email) this.byEmail.set(email, { ...current, locked: event.type === 'UserLocked' });
        return;
      case 'UserDeleted':
        if (email) this.byEmail.delete(email);
        this.emailOf.delete(userId);
        return;
      default:
        return;
    }
  }

  find(normalizedEmail: string): LoginAccount | undefined {
    return this.byEmail.get(normalizedEmail);
  }

  private set(userId: string, email: string, account: LoginAccount): void {
    const previous = this.emailOf.get(userId);
    if (previous) this.byEmail.delete(previous);
    this.emailOf.set(userId, email);
    this.byEmail.set(email, account);
  }
}
