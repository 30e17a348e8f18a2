import { type RecordedDomainEvent } from '@app/event-store';
import { type OrganizationEvent } from '../organizations/organization.events';

/** Which organizations each user belongs to, kept by following the organization streams; for reactions to users. */
export class UserMemberships {
  private readonly orgsByUser = new Map<string, Set<string>>();
  private readonly usersByOrg = new Map<string, Set<string>>();
  apply({ event, streamName }: RecordedDomainEvent<OrganizationEvent>): void {
    if (!streamName.startsWith('organization-')) return;
    const orgId = event.data.orgId;
    switch (event.type) {
      case 'OrganizationCreated':
        return this.add(event.data.ownerId, orgId);
      case 'MemberJoined':
        return this.add(event.data.userId, orgId);
      case 'MemberRemoved':
      case 'MemberLeft':
        return this.remove(event.data.userId, orgId);
      case 'OrganizationDeleted':
        for (const userId of this.usersByOrg.get(orgId) ?? []) this.orgsByUser.get(userId)?.delete(orgId);
        this.usersByOrg.delete(orgId);
        return;
      default:
        return;
    }
  }

  organizationsOf(userId: string): string[] {
    return [...(this.orgsByUser.get(userId) ?? [])].sort();
  }

  private add(userId: string, orgId: string): void {
    if (!this.orgsByUser.has(userId)) this.orgsByUser.set(userId, new Set());
    if (!this.usersByOrg.has(orgId)) this.usersByOrg.set(orgId, new Set());
    this.orgsByUser.get(userId)!.add(orgId);
    this.usersByOrg.get(orgId)!.add(userId);
  }

  private remove(userId: string, orgId: string): void {
    this.orgsByUser.get(userId)?.delete(orgId);
    this.usersByOrg.get(orgId)?.delete(userId);
  }
}
