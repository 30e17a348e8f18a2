import { type InvitationDescription } from '@app/contracts';
import { DomainError, isDomainError, type DomainErrorJson } from '@app/domain';
import { type InvitationTokens } from '@app/invitation-tokens';
import { defaultCatalog, type PermissionsCatalog } from '@app/permissions';
import { partnersAmong } from '../organizations/decide/guards';
import { invitationStillGiven } from '../organizations/decide/invitations';
import { type ActiveOrganization, type Invitation } from '../organizations/organization.state';
import { type IndexedInvitation } from '../indexes/invitation-index';

export type DescribeInvitationReply =
  | { readonly ok: true; readonly invitation: InvitationDescription }
  | { readonly ok: false; readonly error: DomainErrorJson };

export interface InvitationQueryDependencies {
  readonly tokens: InvitationTokens;
  readonly findInvitation: (invitationId: string) => Promise<IndexedInvitation | undefined>;
  /** Waits until `findInvitation` reflects every event in the store now. */
  readonly catchUp?: () => Promise<void>;
  readonly loadOrganization: (orgId: string) => Promise<ActiveOrganization | undefined>;
  readonly now?: () => Date;
  /** Whether the invitation's giver may still give its terms (default: the default catalog). */
  readonly catalog?: PermissionsCatalog;
}

/**
 * R5: what an invitation link stands for (the preview, and identity's registration from a link). Only an authentic
 * link of the latest send of a pending, unexpired invitation whose giver may still give its terms is described;
 * everything else is a typed refusal.
 */
export class InvitationQueries {
  constructor(private readonly deps: InvitationQueryDependencies) {}

  /** `acceptedBy`: the account retrying its acceptance (identity only), told of the invitation it accepted. */
  async describe(token: unknown, acceptedBy?: string): Promise<DescribeInvitationReply> {
    try {
      return { ok: true, invitation: await this.lookup(token, acceptedBy) };
    } catch (error) {
      if (isDomainError(error)) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }

  private async lookup(token: unknown, acceptedBy: string | undefined): Promise<InvitationDescription> {
    const claims =
      typeof token === 'string' && token.length <= 512 ? this.deps.tokens.verify(token) : undefined;
    if (!claims)
      throw new DomainError('invitation-token-invalid', 'validation', 'this invitation link is not valid', {
        field: 'token',
      });
    const indexed = await this.deps.findInvitation(claims.invitationId);
    if (!indexed) throw new DomainError('invitation-not-found', 'not-found', 'no such invitation');
    const org = await this.deps.loadOrganization(indexed.orgId);
    // Deleting an organization revokes its pending invitations (R10): the link says so, as its preview does, with
    // what became of the invitation before (the index, caught up, has it: the organization's state is gone).
    if (!org) {
      await this.deps.catchUp?.();
      throw goneWithItsOrganization(
        (await this.deps.findInvitation(claims.invitationId))?.status ?? indexed.status,
      );
    }
    const invitation = org.invitations.get(claims.invitationId);
    if (!invitation) throw new DomainError('invitation-not-found', 'not-found', 'no such invitation');
    if (invitation.status === 'accepted') {
      if (acceptedBy === undefined || invitation.acceptedBy !== acceptedBy)
        throw new DomainError('invitation-already-accepted', 'gone', 'this invitation was already accepted');
      return describedAs(org, invitation, 'accepted');
    }
    const catalog = this.deps.catalog ?? defaultCatalog;
    const parent = org.parentOrgId ? await this.deps.loadOrganization(org.parentOrgId) : undefined;
    const partnersInParent = new Set(partnersAmong(parent, catalog, [invitation.grantedBy], org.orgId));
    if (
      invitation.status === 'revoked' ||
      !invitationStillGiven({ ...org, partnersInParent }, catalog, invitation)
    )
      throw new DomainError('invitation-revoked', 'gone', 'this invitation was revoked');
    const now = (this.deps.now ?? (() => new Date()))().toISOString();
    if (invitation.status === 'expired' || now >= invitation.expiresAt)
      throw new DomainError('invitation-expired', 'gone', 'this invitation expired');
    if (claims.sendSequence !== invitation.sendSequence)
      throw new DomainError('invitation-link-superseded', 'gone', 'this link was replaced by a newer one');
    return describedAs(org, invitation, 'pending');
  }
}

function goneWithItsOrganization(status: IndexedInvitation['status']): DomainError {
  if (status === 'accepted')
    return new DomainError('invitation-already-accepted', 'gone', 'this invitation was already accepted');
  if (status === 'expired') return new DomainError('invitation-expired', 'gone', 'this invitation expired');
  return new DomainError('invitation-revoked', 'gone', 'this invitation was revoked with its organization');
}

function describedAs(
  org: ActiveOrganization,
  invitation: Invitation,
  status: InvitationDescription['status'],
): InvitationDescription {
  return {
    invitationId: invitation.invitationId,
    orgId: org.orgId,
    orgName: org.name,
    ...(invitation.email ? { email: invitation.email } : {}),
    ...(invitation.phone ? { phone: invitation.phone } : {}),
    role: invitation.role,
    status,
    expiresAt: invitation.expiresAt,
    sendSequence: invitation.sendSequence,
  };
}
