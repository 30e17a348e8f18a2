import { type RecordedDomainEvent } from '@app/event-store';
import { type OrganizationEvent } from '../organizations/organization.events';

export interface IndexedInvitation {
  readonly invitationId: string;
  readonly orgId: string;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  expiresAt: string;
  sendSequence: number;
}

/**
 * Every invitation of every organization, by id: where a link's invitation lives (links carry no organization) and
 * which pending ones are past their expiry. Folded from the organization streams; the streams stay the truth.
 */
export class InvitationIndex {
  private readonly invitations = new Map<string, IndexedInvitation>();

  apply({ event, streamName }: RecordedDomainEvent<OrganizationEvent>): void {
    if (!streamName.startsWith('organization-')) return;
    const existing =
      'invitationId' in event.data ? this.invitations.get(event.data.invitationId as string) : undefined;
    // Ids are made per organization; should another organization's ever equal one, the first keeps its links.
    if (existing && existing.orgId !== event.data.orgId) return;
    switch (event.type) {
      case 'InvitationCreated':
        this.invitations.set(event.data.invitationId, {
          invitationId: event.data.invitationId,
          orgId: event.data.orgId,
          status: 'pending',
          expiresAt: event.data.expiresAt,
          sendSequence: 0,
        });
        return;
      case 'InvitationSent':
        if (existing) {
          existing.sendSequence = event.data.sendSequence;
          existing.expiresAt = event.data.expiresAt;
        }
        return;
      case 'InvitationAccepted':
        if (existing) existing.status = 'accepted';
        return;
      case 'InvitationRevoked':
        if (existing) existing.status = 'revoked';
        return;
      case 'InvitationExpired':
        if (existing) existing.status = 'expired';
        return;
      default:
        return;
    }
  }

  get(invitationId: string): IndexedInvitation | undefined {
    return this.invitations.get(invitationId);
  }

  /** Pending invitations whose expiry has passed at `now`. */
  due(now: string): IndexedInvitation[] {
    // Never sent, it has no link to lapse (R6).
    return [...this.invitations.values()].filter(
      (i) => i.status === 'pending' && i.sendSequence > 0 && i.expiresAt <= now,
    );
  }
}
