import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { effectivePermissions, type PermissionsCatalog, type Role } from '@app/permissions';
import { type Caller } from '../auth/caller';
import { PERMISSIONS_CATALOG, READ_MODELS } from '../gateway.tokens';
import { orgScoped, type MemberDoc, type OrganizationDoc } from '../read-models/documents';
import { type ReadModels } from '../read-models/read-models';

/** The caller's standing in one organization, from the read models: what the read routes authorize against. */
export interface Standing {
  readonly org: OrganizationDoc;
  readonly userId: string;
  /** Their membership; absent for an Admin acting through the parent (R19). */
  readonly member?: MemberDoc;
  readonly role: Role;
  readonly permissions: ReadonlySet<string>;
  /** R19: acting as an Admin through this parent organization. */
  readonly actingVia?: string;
}

const CUSTOMERS_MANAGE = 'customers.manage';

/**
 * Authorization on the read side, tenant by tenant. Someone with no standing in an organization (not a member, no
 * R19 rights through its parent) gets `organization-not-found`, the same answer as for an organization that does not
 * exist, so nothing of another tenant shows. R22: in an organization that requires two-factor authentication, a
 * session without a second factor reads nothing either.
 */
@Injectable()
export class OrgAccess {
  constructor(
    @Inject(READ_MODELS) private readonly models: ReadModels,
    @Inject(PERMISSIONS_CATALOG) private readonly catalog: PermissionsCatalog,
  ) {}

  /** Whether the user was ever a member of the organization (R21 keeps every member's role history, leavers' too). */
  async wasMember(userId: string, orgId: string): Promise<boolean> {
    const { items } = await this.models.roleIntervals.find({ where: { orgId, userId } }, { limit: 1 });
    return items.length > 0;
  }

  /** `twoFactorExempt`: what R22 allows without a second factor (leaving). */
  async standing(
    caller: Caller,
    orgId: string,
    options: { twoFactorExempt?: boolean } = {},
  ): Promise<Standing> {
    const org = await this.models.organizations.get(orgId);
    if (!org || org.deleted) throw notFound();
    const member = await this.models.members.get(orgScoped(orgId, caller.userId));
    // R19: a User here (or no member at all) who holds customers.manage in the parent acts as an Admin. R22: a
    // parent that requires a second factor requires it for acting through it too.
    const throughParent =
      (!member || member.role === 'user') && org.parentOrgId !== undefined
        ? await this.rightsInParent(caller.userId, org.parentOrgId, orgId)
        : undefined;
    const secondFactorMissing =
      throughParent === 'needs-two-factor' && !caller.twoFactor && !options.twoFactorExempt;
    if (secondFactorMissing && !member)
      throw new DomainError(
        'two-factor-required',
        'forbidden',
        'the parent organization requires two-factor authentication to act through it (R19, R22)',
      );
    const viaParent = throughParent !== undefined && !secondFactorMissing;
    const standing: Standing | undefined = viaParent
      ? {
          org,
          userId: caller.userId,
          ...(member ? { member } : {}),
          role: 'admin',
          permissions: effectivePermissions(this.catalog, 'admin', member?.granted ?? []),
          actingVia: org.parentOrgId!,
        }
      : member === null
        ? undefined
        : {
            org,
            userId: caller.userId,
            member,
            role: member.role,
            permissions: this.held(member),
          };
    if (!standing) throw notFound();
    if (org.requireTwoFactor && !caller.twoFactor && !options.twoFactorExempt)
      throw new DomainError(
        'two-factor-required',
        'forbidden',
        'this organization requires two-factor authentication (R22)',
      );
    return standing;
  }

  /** The standing, and the permission required for what is asked. */
  async requiring(caller: Caller, orgId: string, permission: string): Promise<Standing> {
    const standing = await this.standing(caller, orgId);
    if (!standing.permissions.has(permission))
      throw new DomainError('insufficient-permission', 'forbidden', `requires ${permission}`, {
        required: permission,
      });
    return standing;
  }

  /**
   * Whether the caller holds customers.manage in the parent, and whether the parent asks a second factor for it. Only
   * in a child the parent lists: a link half made (the child's side alone) or half undone gives nobody anything.
   */
  private async rightsInParent(
    userId: string,
    parentOrgId: string,
    childOrgId: string,
  ): Promise<'holds' | 'needs-two-factor' | undefined> {
    const parent = await this.models.organizations.get(parentOrgId);
    if (!parent || parent.deleted || !parent.childOrgIds.includes(childOrgId)) return undefined;
    const member = await this.models.members.get(orgScoped(parentOrgId, userId));
    if (!member || !this.held(member).has(CUSTOMERS_MANAGE)) return undefined;
    return parent.requireTwoFactor ? 'needs-two-factor' : 'holds';
  }

  /** From this catalog, not the projected list: a catalog changed since (PERMISSIONS_FILE, a release) holds at once. */
  private held(member: MemberDoc): Set<string> {
    return effectivePermissions(this.catalog, member.role, member.granted);
  }
}

function notFound(): DomainError {
  return new DomainError('organization-not-found', 'not-found', 'no such organization');
}
