import { type RecordedDomainEvent } from '@app/event-store';

type OrganizationEvent =
  | { type: 'OrganizationCreated'; data: { orgId: string; ownerId: string } }
  | { type: 'OwnershipTransferred'; data: { orgId: string; from: string; to: string } }
  | { type: 'OrganizationDeleted'; data: { orgId: string } }
  | { type: string; data: { orgId?: string } };

/** R10: which organizations each user owns, from the organization streams (an account deletion must name them). */
export class OwnedOrganizations {
  private readonly ownerOf = new Map<string, string>();

  apply({ event, streamName }: RecordedDomainEvent<OrganizationEvent>): void {
    if (!streamName.startsWith('organization-')) return;
    const data = event.data as Record<string, string>;
    if (event.type === 'OrganizationCreated') this.ownerOf.set(data.orgId!, data.ownerId!);
    else if (event.type === 'OwnershipTransferred') this.ownerOf.set(data.orgId!, data.to!);
    else if (event.type === 'OrganizationDeleted') this.ownerOf.delete(data.orgId!);
  }

  ownedBy(userId: string): string[] {
    return [...this.ownerOf]
      .filter(([, owner]) => owner === userId)
      .map(([orgId]) => orgId)
      .sort();
  }
}
