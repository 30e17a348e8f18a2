import { type Schemas } from '../api/client';

export type Permission = Schemas['PermissionView'];

/**
 * R20 in words: which prerequisites a permission still lacks, given what the member will hold (by role and grants).
 * Owner-only powers, powers above the role and powers the organization's plan does not allow are never grantable.
 */
export function grantability(
  permission: Permission,
  role: 'owner' | 'admin' | 'user',
  holds: ReadonlySet<string>,
  plan: string,
): { grantable: boolean; reason?: string } {
  if (permission.minimumRole === 'owner') return { grantable: false, reason: 'Only the Owner holds this.' };
  if (!permission.grantableIn.includes(plan))
    return { grantable: false, reason: `Not available on the ${plan} plan.` };
  if (permission.minimumRole === 'admin' && role === 'user')
    return { grantable: false, reason: 'Only Admins and the Owner may hold this.' };
  const missing = permission.requires.filter((p) => !holds.has(p));
  if (missing.length > 0) return { grantable: false, reason: `Requires ${missing.join(', ')} first.` };
  return { grantable: true };
}

/** What a role holds without grants. */
export function heldByRole(catalogItems: readonly Permission[], role: string): Set<string> {
  return new Set(catalogItems.filter((p) => (p.heldBy as string[]).includes(role)).map((p) => p.name));
}
