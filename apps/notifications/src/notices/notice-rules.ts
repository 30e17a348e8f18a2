import { type EventEnvelope } from '@app/contracts';

/** A change that matters to someone, and to whom: the default rules, each of which configuration may turn off. */
export const NOTICE_KINDS = [
  'role-changed',
  'ownership-transferred',
  'removed-from-organization',
  'added-to-team',
  'made-team-manager',
  'account-locked',
  'two-factor-enabled',
  'two-factor-disabled',
  'recovery-codes-replaced',
  'invitation-accepted',
  'invitation-revoked',
  'organization-deleted',
  'two-factor-required',
  'two-factor-enrollment',
  'phone-removed',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/**
 * Who is told: a user (at their own account's address; `unlessTwoFactor`: only while they have no second factor), the
 * one who created an invitation, the address a sent invitation went to, or the members of the organization as the
 * event found it (all, or those without a second factor).
 */
export type Audience =
  | { readonly userId: string; readonly unlessTwoFactor?: true }
  | { readonly inviterOf: string }
  | { readonly inviteeOf: string }
  | { readonly members: 'all' | 'without-two-factor' };

export interface Notice {
  readonly kind: NoticeKind;
  readonly to: Audience;
  readonly orgId?: string;
  readonly role?: string;
  /** The team a team notice is about (the member's standing in it before the event decides whether to tell). */
  readonly teamId?: string;
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
      notices.push({
        kind: 'role-changed',
        to: { userId: str(data, 'userId') },
        orgId,
        role: str(data, 'to'),
      });
      break;
    case 'membership.OwnershipTransferred.v1':
      notices.push(
        { kind: 'ownership-transferred', to: { userId: str(data, 'from') }, orgId, role: 'admin' },
        { kind: 'ownership-transferred', to: { userId: str(data, 'to') }, orgId, role: 'owner' },
      );
      break;
    // R22: someone auto-joined into an organization that requires a second factor is asked to enroll.
    case 'membership.MemberJoined.v1':
      if (data.twoFactorEnrollmentRequired === true)
        notices.push({
          kind: 'two-factor-enrollment',
          to: { userId: str(data, 'userId'), unlessTwoFactor: true },
          orgId,
        });
      break;
    case 'membership.MemberRemoved.v1':
      notices.push({ kind: 'removed-from-organization', to: { userId: str(data, 'userId') }, orgId });
      break;
    case 'membership.TeamMemberAdded.v1':
      notices.push({
        kind: data.role === 'manager' ? 'made-team-manager' : 'added-to-team',
        to: { userId: str(data, 'userId') },
        orgId,
        teamId: str(data, 'teamId'),
      });
      break;
    case 'identity.UserLocked.v1':
      notices.push({ kind: 'account-locked', to: { userId: event.subject } });
      break;
    // A second factor turned on or off is what someone holding a stolen password would do first: the owner hears of it.
    case 'identity.TwoFactorEnabled.v1':
      notices.push({ kind: 'two-factor-enabled', to: { userId: event.subject } });
      break;
    case 'identity.TwoFactorDisabled.v1':
      notices.push({ kind: 'two-factor-disabled', to: { userId: event.subject } });
      break;
    // New recovery codes pass the second factor from now on: whoever made them with a stolen session and code must not
    // go unheard (the owner's own codes stopped working).
    case 'identity.RecoveryCodesReplaced.v1':
      notices.push({ kind: 'recovery-codes-replaced', to: { userId: event.subject } });
      break;
    case 'identity.ProfileUpdated.v1':
      // R5: the number was taken back by the person an invitation sent to it proved it belongs to (the platform did
      // it, not the user), so the user learns why it left their profile.
      if (data.phone === null && data.actorId === 'system')
        notices.push({ kind: 'phone-removed', to: { userId: event.subject } });
      break;
    case 'membership.InvitationAccepted.v1':
      notices.push({ kind: 'invitation-accepted', to: { inviterOf: str(data, 'invitationId') }, orgId });
      break;
    case 'membership.InvitationRevoked.v1':
      notices.push({ kind: 'invitation-revoked', to: { inviteeOf: str(data, 'invitationId') }, orgId });
      break;
    case 'membership.OrganizationDeleted.v1':
      notices.push({ kind: 'organization-deleted', to: { members: 'all' }, orgId });
      break;
    case 'membership.SettingsUpdated.v1':
      // Told when it is asked for: the recipients are those who have no second factor yet.
      if (data.requireTwoFactor === true)
        notices.push({ kind: 'two-factor-required', to: { members: 'without-two-factor' }, orgId });
      break;
  }
  return notices.filter((n) => enabled.has(n.kind) && !Object.values(n.to).includes(''));
}

/** The kinds that are sent: every kind but those turned off. */
export function enabledNotices(off: readonly NoticeKind[] = []): ReadonlySet<NoticeKind> {
  return new Set(NOTICE_KINDS.filter((kind) => !off.includes(kind)));
}

/**
 * `NOTIFY_OFF`: comma-separated kinds not to send (every kind is on by default). A kind this service does not send is
 * refused, naming it: misspelt, it would leave that notice on unnoticed.
 */
export function noticeKindsIn(setting: string): NoticeKind[] {
  const named = setting
    .split(',')
    .map((kind) => kind.trim())
    .filter((kind) => kind !== '');
  const unknown = named.filter((kind) => !(NOTICE_KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0)
    throw new Error(
      `NOTIFY_OFF: ${unknown.map((kind) => `"${kind}"`).join(', ')} is not a notice kind (${NOTICE_KINDS.join(', ')})`,
    );
  return named as NoticeKind[];
}
