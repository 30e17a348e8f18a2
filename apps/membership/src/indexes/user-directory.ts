import { type RecordedDomainEvent } from '@app/event-store';

type UserEvent =
  | { type: 'UserRegistered'; data: { userId: string; email: string; phone?: string } }
  | { type: 'EmailChanged'; data: { userId: string; previousEmail: string; email: string } }
  | { type: 'EmailVerified'; data: { userId: string; email: string } }
  | { type: 'ProfileUpdated'; data: { userId: string; phone?: string | null; previousPhone?: string } }
  | { type: 'UserDeleted'; data: { userId: string } }
  | { type: string; data: { userId: string } };

interface Identifiers {
  email?: string;
  phone?: string;
  /** Set once the current address is proven, cleared when it changes (R18). */
  emailVerified?: true;
}

/**
 * R5 "inviting an existing member is a conflict": which account holds an e-mail address or phone number, and (R16)
 * whether its address is verified, folded from identity's user streams (their events are identity's public contract,
 * `identity.user.v1`).
 */
export class UserDirectory {
  private readonly byIdentifier = new Map<string, string>();
  private readonly identifiersOf = new Map<string, Identifiers>();

  apply({ event, streamName }: RecordedDomainEvent<UserEvent>): void {
    if (!streamName.startsWith('user-')) return;
    const data = event.data as Record<string, string | null | undefined> & { userId: string };
    const known = this.identifiersOf.get(data.userId) ?? {};
    switch (event.type) {
      case 'UserRegistered':
        return this.record(data.userId, { email: data.email!, ...(data.phone ? { phone: data.phone } : {}) });
      case 'EmailChanged': {
        const { emailVerified: _proven, ...rest } = known;
        return this.record(data.userId, { ...rest, email: data.email! });
      }
      case 'EmailVerified':
        if (known.email !== data.email) return;
        return this.record(data.userId, { ...known, emailVerified: true });
      case 'ProfileUpdated': {
        if (data.phone === undefined) return;
        const { phone: _old, ...rest } = known;
        return this.record(data.userId, data.phone === null ? rest : { ...rest, phone: data.phone });
      }
      case 'UserDeleted':
        return this.record(data.userId, {});
      default:
        return;
    }
  }

  userWithEmail(email: string): string | undefined {
    return this.byIdentifier.get(`email:${email.trim().toLowerCase()}`);
  }

  userWithPhone(phone: string): string | undefined {
    return this.byIdentifier.get(`phone:${phone}`);
  }

  /** The account's address if it is verified now (R16: what a domain claim is proven by). */
  verifiedEmailOf(userId: string): string | undefined {
    const known = this.identifiersOf.get(userId);
    return known?.emailVerified ? known.email : undefined;
  }

  private record(userId: string, identifiers: Identifiers): void {
    const previous = this.identifiersOf.get(userId);
    if (previous?.email) this.byIdentifier.delete(`email:${previous.email}`);
    if (previous?.phone) this.byIdentifier.delete(`phone:${previous.phone}`);
    this.identifiersOf.set(userId, identifiers);
    if (identifiers.email) this.byIdentifier.set(`email:${identifiers.email}`, userId);
    if (identifiers.phone) this.byIdentifier.set(`phone:${identifiers.phone}`, userId);
  }
}
