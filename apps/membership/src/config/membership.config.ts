import { loadPermissionsCatalog, type PermissionsCatalog } from '@app/permissions';
import { positiveInt } from '@app/platform';
import { DEFAULT_INVITATION_LIFETIME_MS } from '../commands/organization-command-handler';
import { DEFAULT_EXPIRY_SWEEP_MS } from '../invitations/invitation-expiry';

/** Membership's own settings (README "membership"); infrastructure settings come from the platform. */
export interface MembershipConfig {
  readonly invitationLifetimeMs: number;
  readonly invitationExpirySweepMs: number;
  /** The built-in permissions plus the operator's (PERMISSIONS_FILE). */
  readonly catalog: PermissionsCatalog;
}

export function readMembershipConfig(env: NodeJS.ProcessEnv = process.env): MembershipConfig {
  return {
    invitationLifetimeMs: positiveInt(
      env.INVITATION_LIFETIME_MS,
      DEFAULT_INVITATION_LIFETIME_MS,
      'INVITATION_LIFETIME_MS',
    ),
    invitationExpirySweepMs: positiveInt(
      env.INVITATION_EXPIRY_SWEEP_MS,
      DEFAULT_EXPIRY_SWEEP_MS,
      'INVITATION_EXPIRY_SWEEP_MS',
    ),
    catalog: loadPermissionsCatalog(env),
  };
}
