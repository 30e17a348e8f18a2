import { type UserDoc } from './documents';

/** One user event as the projection needs it (from a CloudEvent of `identity.user.v1`). */
export interface UserEvent {
  readonly type: string;
  readonly userId: string;
  readonly revision: number;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A user's profile as the API shows it: pure, from the document as it is to the document as it becomes. */
export function projectUserEvent(doc: UserDoc | null, event: UserEvent): UserDoc | 'deleted' | null {
  const d = event.data;
  if (event.type === 'UserRegistered')
    return {
      _id: event.userId,
      revision: event.revision,
      userId: event.userId,
      name: d.name as string,
      email: d.email as string,
      profileRevision: event.revision,
      ...(typeof d.phone === 'string' ? { phone: d.phone } : {}),
      ...(typeof d.locale === 'string' ? { locale: d.locale } : {}),
      emailVerified: false,
      twoFactorEnabled: false,
      locked: false,
      createdAt: event.at,
      names: [{ name: d.name as string, from: event.at }],
    };
  // UserErased follows UserDeleted: the tombstone moves on to its revision too, so whoever waits for it sees it.
  if (event.type === 'UserDeleted' || event.type === 'UserErased') return 'deleted';
  if (!doc) return null;
  const next = { ...doc, revision: event.revision };
  switch (event.type) {
    case 'EmailVerified':
      return { ...next, emailVerified: true };
    case 'EmailChanged':
      return { ...next, email: d.email as string, emailVerified: false, profileRevision: event.revision };
    case 'ProfileUpdated': {
      const { phone: _previous, ...rest } = next;
      const phone = d.phone === undefined ? doc.phone : (d.phone as string | null);
      const renamed = typeof d.name === 'string' && d.name !== doc.name;
      return {
        ...rest,
        ...(typeof d.name === 'string' ? { name: d.name } : {}),
        ...(renamed ? { profileRevision: event.revision } : {}),
        ...(renamed
          ? {
              names: [
                ...(doc.names ?? [{ name: doc.name, from: doc.createdAt }]),
                { name: d.name as string, from: event.at },
              ],
            }
          : {}),
        ...(typeof d.locale === 'string' ? { locale: d.locale } : {}),
        ...(phone ? { phone } : {}),
      };
    }
    case 'PasswordChanged':
      return { ...next, sessionsEndedAt: event.at };
    case 'TwoFactorEnabled':
      return { ...next, twoFactorEnabled: true, sessionsEndedAt: event.at };
    case 'TwoFactorDisabled':
      return { ...next, twoFactorEnabled: false, sessionsEndedAt: event.at };
    case 'UserLocked':
      return { ...next, locked: true, sessionsEndedAt: event.at };
    case 'UserUnlocked':
      return { ...next, locked: false };
    default:
      return next;
  }
}
