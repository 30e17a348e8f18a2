import { type EventEnvelope } from '@app/contracts';

/** A change that matters to someone, and to whom: the default rules, each of which configuration may turn off. */
export const NOTICE_KINDS = [
  'role-changed',
  'ownership-transferred',
  'removed-from-organization',
  'added-to-team',
  'made-team-manager',
  'account-locked',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface Notice {
  readonly kind: NoticeKind;
  /** Who is told (a user id; their address comes from their own account). */
  readonly userId: string;
  readonly orgId?: string;
  readonly role?: string;
}

const str = (data: Record<string, unknown>, key: string): string => String(data[key] ?? '');

/**
 * Who is told what about one public event: pure, from the event alone. The person acted upon is told, never a third
 * party, so nothing of another member reaches anyone (and nothing of another tenant: one organization per event).
 */
export function noticesOf(event: EventEnvelope, enabled: ReadonlySet<NoticeKind>): Notice[] {
  const data = event.data as Record<string, unknown>;
  const orgId = event.subject;
  const notices: Notice[] = [];
  switch (event.type) {
    case 'membership.MemberRoleChanged.v1':
      notices.push({ kind: 'role-changed', userId: str(data, 'userId'), orgId, role: str(data, 'to') });
      break;
    case 'membership.OwnershipTransferred.v1':
      notices.push(
        { kind: 'ownership-transferred', userId: str(data, 'from'), orgId, role: 'admin' },
        { kind: 'ownership-transferred', userId: str(data, 'to'), orgId, role: 'owner' },
      );
      break;
    case 'membership.MemberRemoved.v1':
      notices.push({ kind: 'removed-from-organization', userId: str(data, 'userId'), orgId });
      break;
    case 'membership.TeamMemberAdded.v1':
      notices.push({
        kind: data.role === 'manager' ? 'made-team-manager' : 'added-to-team',
        userId: str(data, 'userId'),
        orgId,
      });
      break;
    case 'identity.UserLocked.v1':
      notices.push({ kind: 'account-locked', userId: event.subject });
      break;
  }
  return notices.filter((n) => enabled.has(n.kind) && n.userId !== '');
}

/** `NOTIFY_OFF`: comma-separated kinds not to send (every kind is on by default). */
export function enabledNotices(off: string | undefined): ReadonlySet<NoticeKind> {
  const disabled = new Set((off ?? '').split(',').map((k) => k.trim()));
  return new Set(NOTICE_KINDS.filter((kind) => !disabled.has(kind)));
}
