import { type RecordedDomainEvent } from '@app/event-store';

type UserEvent =
  | { type: 'UserRegistered'; data: { userId: string; email: string } }
  | { type: 'EmailChanged'; data: { userId: string; previousEmail: string; email: string } }
  | { type: 'EmailVerified'; data: { userId: string; email: string } }
  | { type: 'UserDeleted'; data: { userId: string } }
  | { type: string; data: { userId: string } };

interface Identifiers {
  email?: string;
  /** Set once the current address is proven, cleared when it changes (R18). */
  emailVerified?: true;
}

/**
 * R5 "inviting an existing member is a conflict": which account holds an e-mail address, and (R16) whether it is
 * verified (a phone number is never proven, so it names nobody here), folded from identity's user streams (their events are identity's public contract,
 * `identity.user.v1`).
 */
export class UserDirectory {
  /**
   * The accounts whose events named each address, latest last. Usually one: two only when a registration that lost
   * its address to another recorded its account anyway and is then withdrawn (deleted), which must not take the
   * address from the account that keeps it.
   */
  private readonly byEmail = new Map<string, string[]>();
  private readonly identifiersOf = new Map<string, Identifiers>();

  apply({ event, streamName }: RecordedDomainEvent<UserEvent>): void {
    if (!streamName.startsWith('user-')) return;
    const data = event.data as Record<string, string | null | undefined> & { userId: string };
    const known = this.identifiersOf.get(data.userId) ?? {};
    switch (event.type) {
      case 'UserRegistered':
        return this.record(data.userId, { email: data.email! });
      case 'EmailChanged': {
        const { emailVerified: _proven, ...rest } = known;
        return this.record(data.userId, { ...rest, email: data.email! });
      }
      case 'EmailVerified':
        if (known.email !== data.email) return;
        return this.record(data.userId, { ...known, emailVerified: true });
      case 'UserDeleted':
        return this.record(data.userId, {});
      default:
        return;
    }
  }

  userWithEmail(email: string): string | undefined {
    return this.byEmail.get(email.trim().toLowerCase())?.at(-1);
  }

  /** The account's address if it is verified now (R16: what a domain claim is proven by). */
  verifiedEmailOf(userId: string): string | undefined {
    const known = this.identifiersOf.get(userId);
    return known?.emailVerified ? known.email : undefined;
  }

  private record(userId: string, identifiers: Identifiers): void {
    const previous = this.identifiersOf.get(userId)?.email;
    this.identifiersOf.set(userId, identifiers);
    if (previous === identifiers.email) return;
    if (previous !== undefined) {
      const others = (this.byEmail.get(previous) ?? []).filter((holder) => holder !== userId);
      if (others.length > 0) this.byEmail.set(previous, others);
      else this.byEmail.delete(previous);
    }
    if (identifiers.email)
      this.byEmail.set(identifiers.email, [...(this.byEmail.get(identifiers.email) ?? []), userId]);
  }
}
